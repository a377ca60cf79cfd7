// The library in a real browser: test/browser/page.ts is bundled by esbuild for the browser (so every
// @bert4tfjs import resolves to the packages' browser entries, and a Node builtin on that path fails the
// build), served with the fixtures and tfjs's .wasm files by a local static server, and run in headless
// Chromium driven by puppeteer-core (Debian's chromium, or $CHROME_PATH; nothing downloads a browser).
// Checked: the fixture BERT built from safetensors fetched over http matches Hugging Face's
// last_hidden_state within 1e-4 on wasm and on webgl, WordPiece ids equal the fixture's, and five CoSENT
// steps lower the loss. Without a Chromium it skips with the reason, unless BERT4TFJS_REQUIRE_BROWSER=1
// (set by .ci/run), which makes a missing browser a failure.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, sep } from 'node:path';
import * as esbuild from 'esbuild';
import puppeteer, { type Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PageReport } from './browser/page.ts';
import { REPO_ROOT } from './helpers/paths.ts';

const CANDIDATES = [
  process.env.CHROME_PATH,
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
];
const chrome = CANDIDATES.find((p): p is string => !!p && existsSync(p));
const required = process.env.BERT4TFJS_REQUIRE_BROWSER === '1';
const why = `no Chromium found (looked at ${CANDIDATES.filter(Boolean).join(', ')}; set CHROME_PATH or apt-get install chromium)`;
if (!chrome && required) throw new Error(`BERT4TFJS_REQUIRE_BROWSER=1 but ${why}`);
if (!chrome) console.warn(`browser test skipped: ${why}`);

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

/** Serves `/page/` from the bundle folder, `/fixtures/` from the repository's fixtures, `/wasm/` from tfjs-backend-wasm. */
function serve(roots: Record<string, string>): Promise<Server> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const [, mount, ...rest] = url.pathname.split('/');
    const root = roots[mount];
    const file = root ? normalize(join(root, ...rest.map(decodeURIComponent))) : '';
    if (!root || !file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(req.method === 'HEAD' ? undefined : readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe.skipIf(!chrome)('the library in headless Chromium (wasm and webgl)', () => {
  let server: Server;
  let browser: Browser;
  let dir: string;
  let report: PageReport;
  let bundleBytes = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bert4tfjs-browser-'));
    const result = await esbuild.build({
      entryPoints: [join(REPO_ROOT, 'test', 'browser', 'page.ts')],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      minify: true,
      outfile: join(dir, 'page.js'),
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    bundleBytes = statSync(join(dir, 'page.js')).size;
    writeFileSync(
      join(dir, 'index.html'),
      '<!doctype html><meta charset="utf-8"><script type="module" src="page.js"></script>',
    );
    const wasmDir = dirname(
      createRequire(join(REPO_ROOT, 'packages', 'core', 'package.json')).resolve('@tensorflow/tfjs-backend-wasm'),
    );
    server = await serve({ page: dir, fixtures: join(REPO_ROOT, 'fixtures'), wasm: wasmDir });
    const port = (server.address() as AddressInfo).port;
    browser = await puppeteer.launch({
      executablePath: chrome,
      headless: true,
      // Root in a container needs --no-sandbox; SwiftShader gives headless Chromium a (software) WebGL.
      args: ['--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'],
    });
    const tab = await browser.newPage();
    const consoleLines: string[] = [];
    tab.on('console', (m) => consoleLines.push(m.text()));
    tab.on('pageerror', (e) => consoleLines.push(String(e)));
    await tab.goto(`http://127.0.0.1:${port}/page/index.html?backends=wasm,webgl`);
    await tab.waitForFunction('globalThis.__bert4tfjs && globalThis.__bert4tfjs.done', { timeout: 240_000 });
    const state = (await tab.evaluate('globalThis.__bert4tfjs')) as { error?: string; report?: PageReport };
    if (state.error) throw new Error(`the page failed: ${state.error}\n${consoleLines.join('\n')}`);
    report = state.report as PageReport;
    console.log(
      `browser page: bundle ${(bundleBytes / 1e6).toFixed(2)} MB minified; ${report.seconds.toFixed(1)} s in ${await browser.version()}; ` +
        report.backends
          .map(
            (b) =>
              `${b.backend}${b.renderer ? ` (${b.renderer}${b.software ? ', software' : ''})` : ''}: max |diff| ${b.maxAbsDiff.toExponential(2)}`,
          )
          .join('; ') +
        `; CoSENT losses ${report.cosent.losses.map((l) => l.toFixed(4)).join(' ')} on ${report.cosent.backend}`,
    );
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const backend of ['wasm', 'webgl']) {
    it(`${backend}: the fixture BERT fetched over http matches Hugging Face's last_hidden_state within 1e-4`, () => {
      const run = report.backends.find((b) => b.backend === backend);
      expect(run, `${backend} did not run`).toBeDefined();
      expect(run?.shape).toEqual([3, 18, 32]);
      expect(run?.maxAbsDiff).toBeLessThan(1e-4);
      expect(run?.leakedTensors).toBe(0);
    });
  }

  it('WordPiece in the page gives the fixture ids', () => {
    expect(report.tokenizer.ids).toEqual(report.tokenizer.expected);
  });

  it('the path-taking helpers say, in a page, what to use instead of failing inside fs', () => {
    const [model, tokenizer] = report.pathErrors;
    expect(model).toMatch(/readConfigFile reads a local path, which needs Node.*loadTransformerModel/);
    expect(tokenizer).toMatch(/loadVocab reads a local path, which needs Node/);
  });

  it('five CoSENT steps in the page lower the loss', () => {
    const losses = report.cosent.losses;
    expect(losses).toHaveLength(5);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[4]).toBeLessThan(losses[0] * 0.9);
  });
});
