// `embed --engine onnx|tfjs|auto`: both engines give the same vectors (1e-4) for every pooling, in input
// order, with and without bucketing; the export is cached at <model>/onnx with a stamp, reused, redone
// when the checkpoint changes, and kept in memory when caching is off or the file is not ours.
import { existsSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Embedder, type EmbedPooling } from '../src/pipeline/embedder.ts';
import { loadOnnxRuntime, OnnxEmbedder, openOnnxSession } from '../src/pipeline/onnx-embedder.ts';
import { openModel } from '../src/pipeline/load.ts';
import { makeBertModelDir, runCli, tempDir } from './helpers.ts';

const ATOL = 1e-4;
const TEXTS = [
  'Hello, world!',
  '我爱北京天安门',
  'bert4keras is fun',
  '今天天气很好。',
  'playing tokenization',
  'a',
  '我是小明',
  'Hello world hello world hello world',
  '',
  'fun fun fun',
];

function maxDiff(a: Float32Array[], b: Float32Array[]): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  a.forEach((row, i) => {
    expect(row.length).toBe(b[i].length);
    row.forEach((v, j) => {
      m = Math.max(m, Math.abs(v - b[i][j]));
    });
  });
  return m;
}

describe('embed engines', () => {
  const tmp = tempDir();
  const model = makeBertModelDir(tmp);
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('onnx and tfjs give the same vectors for every pooling (bucketed, batch 3) within 1e-4', async () => {
    const ort = loadOnnxRuntime();
    const { built, tokenizer, maxPositions } = openModel(model);
    const { session } = await openOnnxSession(ort, model, built, { cache: false });
    const inputs = [...TEXTS.map((text) => ({ text })), { text: 'a', textPair: 'b' }, { inputIds: [5, 174, 6] }];
    for (const pooling of ['cls', 'mean', 'max', 'first-last-avg', 'pooler', 'none'] as EmbedPooling[]) {
      for (const normalize of [false, true]) {
        const opts = { pooling, normalize, batchSize: 3 };
        const a = await new OnnxEmbedder(ort, session, maxPositions, tokenizer, opts).embed(inputs);
        const b = new Embedder(built, tokenizer, opts).embed(inputs);
        expect(maxDiff(a, b), `${pooling} normalize=${normalize}`).toBeLessThan(ATOL);
      }
    }
    // Bucketing only changes the batch composition, never the vectors.
    const plain = await new OnnxEmbedder(ort, session, maxPositions, tokenizer, {
      pooling: 'mean',
      batchSize: 3,
      bucket: false,
    }).embed(inputs);
    const one = await new OnnxEmbedder(ort, session, maxPositions, tokenizer, { pooling: 'mean', batchSize: 1 }).embed(
      inputs,
    );
    expect(maxDiff(plain, one)).toBeLessThan(1e-5);
  });

  it('the CLI gives the same output with --engine onnx and --engine tfjs, and caches the export', async () => {
    const txt = join(tmp, 'in.txt');
    writeFileSync(txt, `${TEXTS.join('\n')}\n`);
    const read = (p: string) =>
      readFileSync(p, 'utf8')
        .trim()
        .split('\n')
        .map((l) => Float32Array.from(JSON.parse(l).embedding as number[]));
    const run = (engine: string, out: string, ...extra: string[]) =>
      runCli(
        'embed',
        '--backend',
        'cpu',
        '--model',
        model,
        '--input',
        txt,
        '--output',
        out,
        '--pooling',
        'mean',
        '--normalize',
        '--engine',
        engine,
        ...extra,
      );

    let r = await run('onnx', join(tmp, 'onnx.jsonl'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`engine: onnx (onnxruntime-node; exported to ${join(model, 'onnx', 'model.onnx')})`);
    expect(existsSync(join(model, 'onnx', 'bert4tfjs-onnx.json'))).toBe(true);
    r = await run('tfjs', join(tmp, 'tfjs.jsonl'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('engine: onnx');
    expect(maxDiff(read(join(tmp, 'onnx.jsonl')), read(join(tmp, 'tfjs.jsonl')))).toBeLessThan(ATOL);

    r = await run('auto', join(tmp, 'auto.jsonl'));
    expect(r.stderr).toContain('engine: onnx (onnxruntime-node; cached');
    expect(maxDiff(read(join(tmp, 'auto.jsonl')), read(join(tmp, 'tfjs.jsonl')))).toBeLessThan(ATOL);

    // The cache follows the checkpoint's content: a new mtime alone keeps it; a checkpoint replaced by one of
    // the same size with the same mtime (within the same second, or copied keeping times) does not.
    const weights = join(model, 'model.safetensors');
    const { atime, mtime } = statSync(weights);
    utimesSync(weights, atime, new Date(mtime.getTime() + 5000));
    r = await run('onnx', join(tmp, 'touched.jsonl'));
    expect(r.stderr).toContain('engine: onnx (onnxruntime-node; cached');
    const bytes = readFileSync(weights);
    const headerEnd = 8 + Number(bytes.readBigUInt64LE(0));
    const changed = Buffer.from(bytes);
    for (let i = headerEnd; i < changed.length; i += 4) changed.writeFloatLE(changed.readFloatLE(i) * 1.5, i);
    writeFileSync(weights, changed);
    utimesSync(weights, atime, mtime);
    expect(statSync(weights).size).toBe(bytes.length);
    r = await run('onnx', join(tmp, 'again.jsonl'));
    expect(r.stderr).toContain('exported to');
    r = await run('tfjs', join(tmp, 'again-tfjs.jsonl'));
    expect(maxDiff(read(join(tmp, 'again.jsonl')), read(join(tmp, 'again-tfjs.jsonl')))).toBeLessThan(ATOL);
    expect(maxDiff(read(join(tmp, 'again.jsonl')), read(join(tmp, 'tfjs.jsonl')))).toBeGreaterThan(1e-3);
    writeFileSync(weights, bytes);

    r = await run('onnx', join(tmp, 'mem.jsonl'), '--no-onnx-cache');
    expect(r.stderr).toContain('exported in memory: caching disabled');
  });

  it('an onnx/model.onnx that bert4tfjs did not write is left alone', async () => {
    const { built } = openModel(model);
    rmSync(join(model, 'onnx', 'bert4tfjs-onnx.json'));
    const before = readFileSync(join(model, 'onnx', 'model.onnx'));
    const info = await openOnnxSession(loadOnnxRuntime(), model, built);
    expect(info.source).toBe('memory');
    expect(info.note).toMatch(/was not written by bert4tfjs/);
    expect(readFileSync(join(model, 'onnx', 'model.onnx')).equals(before)).toBe(true);
  });

  it('rejects an unknown --engine and pooling pooler without a pooler', async () => {
    const txt = join(tmp, 'one.txt');
    writeFileSync(txt, 'hello\n');
    const r = await runCli(
      'embed',
      '--backend',
      'cpu',
      '--model',
      model,
      '--input',
      txt,
      '--output',
      join(tmp, 'x.jsonl'),
      '--engine',
      'gpu',
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("--engine must be one of auto, onnx, tfjs, got 'gpu'");
    const ort = loadOnnxRuntime();
    const { built, tokenizer } = openModel(model, { withPool: false });
    const { session } = await openOnnxSession(ort, model, built, { cache: false });
    expect(() => new OnnxEmbedder(ort, session, 64, tokenizer, { pooling: 'pooler' })).toThrow(
      /no 'pooler_output' output/,
    );
  });
});
