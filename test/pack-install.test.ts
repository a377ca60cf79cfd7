// The packages as a user gets them: every package is packed (`pnpm pack`, which builds dist/ on prepack),
// the tarballs are installed with plain `npm install` into a fresh project outside the workspace (own
// node_modules, empty npm cache, the registry as the only source), and there: the public API loads from
// a plain .mjs file, a .ts consumer type-checks under `tsc --strict`, the fixture BERT built from the
// installed packages matches Hugging Face's last_hidden_state within 1e-4, and `npx bert4tfjs --version`,
// `info` and `embed` run. Packed sizes and the install time are printed.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath, REPO_ROOT } from './helpers/paths.ts';

const PACKAGES = ['core', 'models', 'tokenizers', 'cli'] as const;
const ATOL = 1e-4;

/** Runs a command; a non-zero exit fails with the command's output. */
function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 480_000 });
  if (r.status !== 0) {
    throw new Error(
      `${cmd} ${args.join(' ')} (in ${cwd}) exited ${r.status ?? r.signal}:\n${r.stdout}\n${r.stderr}`.slice(-6000),
    );
  }
  return r;
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(0)} KiB`;
}

// The installed packages, used from plain JavaScript: build the fixture BERT, compare with Hugging Face,
// check the tokenizer ids, and report as one JSON line.
const CONSUMER_MJS = `
import * as tf from '@tensorflow/tfjs';
import { initBackend, nodeFileSource, readSafetensors } from '@bert4tfjs/core';
import { buildTransformerModel, runModel } from '@bert4tfjs/models';
import { Tokenizer } from '@bert4tfjs/tokenizers';
import { Embedder, main } from 'bert4tfjs';

const [modelDir, inputsPath, expectedPath] = process.argv.slice(2);
const info = await initBackend({ backend: 'cpu', quiet: true });
const inputs = JSON.parse(await nodeFileSource(modelDir).readText('../inputs.json'));
const bert = buildTransformerModel({ configPath: modelDir + '/config.json', checkpointPath: modelDir });
const out = runModel(bert, { input_ids: inputs.input_ids, token_type_ids: inputs.token_type_ids, attention_mask: inputs.attention_mask });
const got = out.last_hidden_state.dataSync();
const want = readSafetensors(expectedPath).get('last_hidden_state');
const ref = new Float32Array(want.data.buffer.slice(want.data.byteOffset, want.data.byteOffset + want.data.byteLength));
let maxDiff = 0;
for (let i = 0; i < ref.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ref[i] - got[i]));
const tok = Tokenizer.fromVocabFile(modelDir + '/vocab.txt');
const ids = tok.encode(inputs.texts[0][0], inputs.texts[0][1]).inputIds;
console.log(JSON.stringify({
  backend: info.name, shape: out.last_hidden_state.shape, sameLength: ref.length === got.length, maxDiff,
  idsMatch: JSON.stringify(ids) === JSON.stringify(inputs.input_ids[0].slice(0, ids.length)),
  exports: [typeof Embedder, typeof main, typeof tf.tensor],
}));
`;

// A TypeScript user's code: types come from the installed .d.ts files.
const CONSUMER_TS = `
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError, type FileSource, fetchFileSource, initBackend, type NamedTensors, parseSafetensors } from '@bert4tfjs/core';
import { buildTransformerModel, type TransformerModel } from '@bert4tfjs/models';
import { Tokenizer } from '@bert4tfjs/tokenizers';
import { Embedder, type EmbedPooling } from 'bert4tfjs';

export async function example(bytes: Uint8Array): Promise<Float32Array[]> {
  await initBackend({ backend: 'cpu' });
  const source: FileSource = fetchFileSource('https://example.invalid/bert/');
  const tensors: NamedTensors = parseSafetensors(bytes, source.location);
  const bert: TransformerModel = buildTransformerModel({ configPath: 'bert/config.json' });
  bert.loadWeights(tensors);
  const model: tf.LayersModel = bert.model;
  const tok: Tokenizer = Tokenizer.fromVocabFile('bert/vocab.txt');
  const pooling: EmbedPooling = 'mean';
  if (model.inputs.length !== 3) throw new Bert4tfjsError('expected three inputs');
  return new Embedder(bert, tok, { pooling }).embed([{ text: 'hello' }]);
}
`;

describe('packed packages installed with npm into a fresh project', () => {
  const root = mkdtempSync(join(tmpdir(), 'bert4tfjs-pack-'));
  const packs = join(root, 'packs');
  const app = join(root, 'app');
  const model = join(root, 'model', 'bert');
  let installSeconds = 0;

  beforeAll(() => {
    mkdirSync(packs);
    mkdirSync(app);
    mkdirSync(model, { recursive: true });
    copyFileSync(fixturePath('bert', 'config.json'), join(model, 'config.json'));
    copyFileSync(fixturePath('bert', 'model.safetensors'), join(model, 'model.safetensors'));
    copyFileSync(fixturePath('tokenizers', 'bert_wordpiece', 'vocab.txt'), join(model, 'vocab.txt'));
    copyFileSync(fixturePath('bert', 'inputs.json'), join(root, 'model', 'inputs.json'));
    // One incremental build of all four (prepack then finds them up to date).
    run('pnpm', ['run', 'build'], REPO_ROOT);
    for (const p of PACKAGES) run('pnpm', ['pack', '--pack-destination', packs], join(REPO_ROOT, 'packages', p));
    const tarballs = Object.fromEntries(
      readdirSync(packs).map((f) => [
        f.startsWith('bert4tfjs-') && !f.startsWith('bert4tfjs-0') ? `@bert4tfjs/${f.split('-')[1]}` : 'bert4tfjs',
        `file:${join(packs, f)}`,
      ]),
    );
    console.log(
      `packed: ${readdirSync(packs)
        .map((f) => `${f} ${kib(statSync(join(packs, f)).size)}`)
        .join(', ')}`,
    );
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({
        name: 'bert4tfjs-user',
        private: true,
        type: 'module',
        dependencies: tarballs,
        devDependencies: { typescript: '~5.9.3', '@types/node': '^20.19.0' },
        // The packages depend on each other by version; point those at the tarballs too, not the registry.
        overrides: Object.fromEntries(Object.entries(tarballs).filter(([k]) => k !== 'bert4tfjs')),
      }),
    );
    const t0 = performance.now();
    run('npm', ['install', '--no-audit', '--no-fund', '--cache', join(root, 'npm-cache')], app, {
      npm_config_prefix: undefined,
      npm_config_userconfig: join(root, 'npmrc'),
    });
    installSeconds = (performance.now() - t0) / 1000;
    console.log(`npm install (empty cache, registry only): ${installSeconds.toFixed(1)} s`);
  }, 600_000);

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('installs what a user needs and nothing that downloads (tfjs-node dropped as failed optional deps)', () => {
    const lock = JSON.parse(readFileSync(join(app, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { optional?: boolean }>;
    };
    const names = Object.keys(lock.packages);
    expect(names).toContain('node_modules/onnxruntime-node');
    expect(names.some((n) => n.endsWith('node_modules/@xenova/transformers'))).toBe(false);
    expect(names.some((n) => n.endsWith('node_modules/sharp'))).toBe(false);
    expect(names.some((n) => n.endsWith('node_modules/tsx'))).toBe(false);
    expect(names.some((n) => n.endsWith('node_modules/nodejieba'))).toBe(false);
    for (const p of ['core', 'models', 'tokenizers']) {
      const files = readdirSync(join(app, 'node_modules', '@bert4tfjs', p));
      expect(files).toContain('dist');
      expect(files).not.toContain('src');
    }
  });

  it('imports the public API from a plain .mjs file and matches the fixture within 1e-4', () => {
    writeFileSync(join(app, 'consumer.mjs'), CONSUMER_MJS);
    const r = run(
      'node',
      ['consumer.mjs', model, join(root, 'model', 'inputs.json'), fixturePath('bert', 'expected.safetensors')],
      app,
    );
    const report = JSON.parse(r.stdout.trim().split('\n').at(-1) as string);
    console.log(`installed packages, fixture BERT last_hidden_state max |diff| = ${report.maxDiff.toExponential(2)}`);
    expect(report.shape).toEqual([3, 18, 32]);
    expect(report.sameLength).toBe(true);
    expect(report.maxDiff).toBeLessThan(ATOL);
    expect(report.idsMatch).toBe(true);
    expect(report.exports).toEqual(['function', 'function', 'function']);
  });

  it('type-checks a TypeScript consumer with tsc --strict against the installed .d.ts files', () => {
    writeFileSync(join(app, 'consumer.ts'), CONSUMER_TS);
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
        },
        files: ['consumer.ts'],
      }),
    );
    run('npx', ['--no-install', 'tsc', '-p', 'tsconfig.json'], app);
  });

  it('runs npx bert4tfjs --version, info and embed (plain JavaScript, no tsx)', () => {
    const version = run('npx', ['--no-install', 'bert4tfjs', '--version'], app).stdout.trim();
    expect(version).toBe(JSON.parse(readFileSync(join(REPO_ROOT, 'packages', 'cli', 'package.json'), 'utf8')).version);
    const info = run('npx', ['--no-install', 'bert4tfjs', 'info', '--json'], app).stdout;
    const parsed = JSON.parse(info) as { backend: string; onnxruntimeNode: string };
    expect(['wasm', 'cpu', 'tensorflow', 'tensorflow-gpu']).toContain(parsed.backend);
    expect(parsed.onnxruntimeNode).toMatch(/^\d+\.\d+\.\d+$/);
    writeFileSync(join(root, 'lines.txt'), 'Hello, world!\n我爱北京天安门\nbert4keras is fun\n');
    const out = join(root, 'vectors.jsonl');
    const embed = run(
      'npx',
      ['--no-install', 'bert4tfjs', 'embed', '--model', model, '--input', join(root, 'lines.txt'), '--output', out],
      app,
    );
    const vectors = readFileSync(out, 'utf8').trim().split('\n');
    expect(vectors).toHaveLength(3);
    expect((JSON.parse(vectors[0]) as { embedding: number[] }).embedding).toHaveLength(32);
    console.log(`installed bert4tfjs embed: ${embed.stderr.trim().split('\n').slice(-2).join(' | ')}`);
  });
  it('bundles the installed packages for a web page: the bare names pick the dist browser entries', async () => {
    const esbuild = await import('esbuild');
    const result = await esbuild.build({
      stdin: {
        contents:
          "export * from '@bert4tfjs/core'; export * from '@bert4tfjs/models'; export * from '@bert4tfjs/tokenizers';",
        resolveDir: app,
        loader: 'js',
      },
      bundle: true,
      platform: 'browser',
      format: 'esm',
      minify: true,
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    for (const p of ['core', 'models', 'tokenizers']) {
      expect(inputs.some((f) => f.endsWith(`@bert4tfjs/${p}/dist/browser.js`))).toBe(true);
      expect(inputs.some((f) => f.endsWith(`@bert4tfjs/${p}/dist/index.js`))).toBe(false);
    }
    const bytes = result.outputFiles.reduce((n, f) => n + f.contents.byteLength, 0);
    console.log(`installed packages bundled for a page (minified, with tfjs): ${(bytes / 1e6).toFixed(2)} MB`);
  });
});
