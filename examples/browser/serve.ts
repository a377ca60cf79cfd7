/**
 * `pnpm example:browser [--model DIR] [--port N] [--check]`: bundles the example page (main.ts) for the
 * browser with esbuild and serves it, with a model directory at /model/ and tfjs's .wasm files at /wasm/.
 * Open the printed URL, paste sentences, see their nearest neighbours — computed in the page.
 *
 * The model: `--model DIR` (a Hugging Face BERT directory with vocab.txt), else the model `pnpm demo`
 * trained (runs/demo-bundled-cosent) when it exists, else the tiny random fixture BERT (neighbours then
 * mean nothing; run `pnpm demo` first). `--check` opens the page in headless Chromium (Debian's chromium or
 * $CHROME_PATH), waits for the neighbours and checks that a repeated sentence finds its copy at cosine 1.
 */
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '..', '..');
const { values } = parseArgs({
  options: { model: { type: 'string' }, port: { type: 'string', default: '8080' }, check: { type: 'boolean' } },
});

/** The model directory's files, by the name the page asks for. */
function modelFiles(): { label: string; files: Record<string, string> } {
  const pick = (dir: string) =>
    Object.fromEntries(
      ['config.json', 'model.safetensors', 'vocab.txt', 'bert4tfjs.json']
        .map((f) => [f, join(dir, f)])
        .filter(([, p]) => existsSync(p)),
    );
  const demo = join(REPO, 'runs', 'demo-bundled-cosent');
  const dir = values.model ? resolve(values.model) : existsSync(join(demo, 'model.safetensors')) ? demo : null;
  if (dir) {
    const files = pick(dir);
    for (const need of ['config.json', 'model.safetensors', 'vocab.txt']) {
      if (!files[need]) throw new Error(`--model ${dir}: no ${need} there (expected a BERT model directory)`);
    }
    return { label: dir, files };
  }
  return {
    label: 'the random-weight fixture BERT (run `pnpm demo` for a trained model)',
    files: {
      'config.json': join(REPO, 'fixtures', 'bert', 'config.json'),
      'model.safetensors': join(REPO, 'fixtures', 'bert', 'model.safetensors'),
      'vocab.txt': join(REPO, 'fixtures', 'tokenizers', 'bert_wordpiece', 'vocab.txt'),
    },
  };
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

const out = mkdtempSync(join(tmpdir(), 'bert4tfjs-example-browser-'));
const built = await esbuild.build({
  entryPoints: [join(HERE, 'main.ts')],
  bundle: true,
  platform: 'browser',
  format: 'esm',
  minify: true,
  sourcemap: true,
  outfile: join(out, 'main.js'),
  logLevel: 'warning',
});
if (built.errors.length) process.exit(1);
writeFileSync(join(out, 'index.html'), readFileSync(join(HERE, 'index.html')));
const wasmDir = dirname(
  createRequire(join(REPO, 'packages', 'core', 'package.json')).resolve('@tensorflow/tfjs-backend-wasm'),
);
const model = modelFiles();

const server = createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  let file: string | undefined;
  if (path.startsWith('/model/')) file = model.files[path.slice('/model/'.length)];
  else {
    const [root, rest] = path.startsWith('/wasm/') ? [wasmDir, path.slice(6)] : [out, path.slice(1) || 'index.html'];
    const p = normalize(join(root, decodeURIComponent(rest)));
    if (p.startsWith(root + sep)) file = p;
  }
  if (!file || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
  res.end(req.method === 'HEAD' ? undefined : readFileSync(file));
});
await new Promise<void>((r) => server.listen(values.check ? 0 : Number(values.port), '127.0.0.1', r));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
const kb = (statSync(join(out, 'main.js')).size / 1e6).toFixed(2);
console.log(`serving the example page at ${url} (bundle ${kb} MB minified); model: ${model.label}`);

if (values.check) {
  const { default: puppeteer } = await import('puppeteer-core');
  const chrome = [process.env.CHROME_PATH, '/usr/bin/chromium'].find((p): p is string => !!p && existsSync(p));
  if (!chrome) throw new Error('--check needs a Chromium: apt-get install chromium, or set CHROME_PATH');
  const browser = await puppeteer.launch({ executablePath: chrome, headless: true, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForFunction("document.querySelectorAll('#out tr').length > 1", { timeout: 120_000 });
    // A repeated sentence must find its copy (cosine 1) whatever the weights; then read every row.
    await page.evaluate(`document.getElementById('sentences').value += '\\n今天天气很好'`);
    await page.click('#go');
    await page.waitForFunction("document.querySelectorAll('#out tr').length === 8", { timeout: 60_000 });
    const rows = (await page.evaluate(
      "[...document.querySelectorAll('#out tr')].slice(1).map((r) => [...r.children].map((c) => c.textContent))",
    )) as string[][];
    for (const [s, n, c] of rows) console.log(`${s}  ->  ${n}  (${c})`);
    const first = rows[0];
    if (first[1] !== '今天天气很好' || Number(first[2]) < 0.9999)
      throw new Error(`the repeated sentence did not find its copy: ${first.join(' | ')}`);
    if (rows.some((r) => !(Math.abs(Number(r[2])) <= 1.0001))) throw new Error('a cosine outside [-1, 1]');
    console.log(
      `checked: ${rows.length} sentences embedded in headless Chromium; the repeated one found its copy at cosine ${first[2]}`,
    );
  } finally {
    await browser.close();
    server.close();
  }
}
