// `bert4tfjs embed` and the Embedder: order kept, bucketing changes nothing (1e-5), pooling equals its
// definition on the model's own hidden states, no tensor leaks over 100 batches, clear errors.
import { existsSync, readFileSync, rmSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SENTENCE_POOLING, loadModelDir, runModel, sentencePoolingFor } from '@bert4tfjs/models';
import { BI_ENCODER_POOLING } from '../src/matching/objectives.ts';
import { Embedder } from '../src/pipeline/embedder.ts';
import { openModel, resolvePooling } from '../src/pipeline/load.ts';
import { makeBertModelDir, runCli, tempDir } from './helpers.ts';

/** Largest |a - b| over two lists of vectors of the same shapes. */
function maxAbsDiff(a: ArrayLike<number>[], b: ArrayLike<number>[]): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  a.forEach((v, i) => {
    expect(v.length).toBe(b[i].length);
    for (let j = 0; j < v.length; j++) worst = Math.max(worst, Math.abs(v[j] - b[i][j]));
  });
  return worst;
}

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

describe('embed', () => {
  const tmp = tempDir();
  const model = makeBertModelDir(tmp);
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('bucketed and unbucketed batching give the same vectors (1e-5) in input order', () => {
    const { built, tokenizer } = openModel(model);
    const inputs = TEXTS.map((text) => ({ text }));
    const a = new Embedder(built, tokenizer, { pooling: 'mean', batchSize: 3, bucket: true }).embed(inputs);
    const b = new Embedder(built, tokenizer, { pooling: 'mean', batchSize: 3, bucket: false }).embed(inputs);
    const c = new Embedder(built, tokenizer, { pooling: 'mean', batchSize: 1, bucket: false }).embed(inputs);
    expect(a.length).toBe(TEXTS.length);
    for (let i = 0; i < TEXTS.length; i++) {
      for (let j = 0; j < a[i].length; j++) {
        expect(Math.abs(a[i][j] - b[i][j])).toBeLessThan(1e-5);
        expect(Math.abs(a[i][j] - c[i][j])).toBeLessThan(1e-5);
      }
    }
  });

  it('mean, cls and pooler pooling equal their definitions on the model outputs', () => {
    const { built, tokenizer } = openModel(model);
    const enc = tokenizer!.encode(TEXTS[1]);
    const out = runModel(built, { input_ids: [enc.inputIds], token_type_ids: [enc.tokenTypeIds] });
    const hidden = out.last_hidden_state.arraySync() as number[][][];
    const pooler = (out.pooler_output.arraySync() as number[][])[0];
    tf.dispose(Object.values(out));
    const dim = hidden[0][0].length;
    const mean = new Array(dim).fill(0).map((_, d) => hidden[0].reduce((s, row) => s + row[d], 0) / hidden[0].length);
    const [m] = new Embedder(built, tokenizer, { pooling: 'mean' }).embed([{ text: TEXTS[1] }]);
    const [cls] = new Embedder(built, tokenizer, { pooling: 'cls' }).embed([{ text: TEXTS[1] }]);
    const [p] = new Embedder(built, tokenizer, { pooling: 'pooler' }).embed([{ text: TEXTS[1] }]);
    const [n] = new Embedder(built, tokenizer, { pooling: 'mean', normalize: true }).embed([{ text: TEXTS[1] }]);
    for (let d = 0; d < dim; d++) {
      expect(Math.abs(m[d] - mean[d])).toBeLessThan(1e-5);
      expect(Math.abs(cls[d] - hidden[0][0][d])).toBeLessThan(1e-5);
      expect(Math.abs(p[d] - pooler[d])).toBeLessThan(1e-5);
    }
    const norm = Math.hypot(...mean);
    for (let d = 0; d < dim; d++) expect(Math.abs(n[d] - mean[d] / norm)).toBeLessThan(1e-5);
  });

  it('leaks no tensors over 100 embed batches', () => {
    const built = loadModelDir(model);
    const { tokenizer } = openModel(model);
    const embedder = new Embedder(built, tokenizer, { pooling: 'first-last-avg', batchSize: 1 });
    embedder.embed([{ text: 'warm up' }]);
    const before = tf.memory().numTensors;
    const inputs = Array.from({ length: 100 }, (_, i) => ({ text: `${TEXTS[i % TEXTS.length]} ${i}` }));
    embedder.embed(inputs);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the CLI embeds a text file and a JSONL file into one vector per line', async () => {
    const txt = join(tmp, 'in.txt');
    writeFileSync(txt, `${TEXTS.join('\n')}\n`);
    const out = join(tmp, 'out.jsonl');
    const r = await runCli(
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
    );
    expect(r.code, r.stderr).toBe(0);
    const rows = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).embedding as number[]);
    expect(rows.length).toBe(TEXTS.length);
    rows.forEach((v) => expect(Math.abs(Math.hypot(...v) - 1)).toBeLessThan(1e-5));

    const jsonl = join(tmp, 'in.jsonl');
    writeFileSync(
      jsonl,
      [
        JSON.stringify({ text: 'Hello, world!' }),
        JSON.stringify({ input_ids: [5, 174, 6] }),
        JSON.stringify({ text: 'a', text_pair: 'b' }),
      ].join('\n'),
    );
    const npy = join(tmp, 'out.npy');
    const r2 = await runCli(
      'embed',
      '--backend',
      'cpu',
      '--model',
      model,
      '--input',
      jsonl,
      '--output',
      npy,
      '--format',
      'npy',
    );
    expect(r2.code, r2.stderr).toBe(0);
    const bytes = readFileSync(npy);
    expect(bytes.subarray(1, 6).toString('latin1')).toBe('NUMPY');
    expect(bytes.toString('latin1', 10, 10 + bytes.readUInt16LE(8))).toContain("'shape': (3, 32)");
  });

  it('one pooling default everywhere: without --pooling, embed, similar and the Embedder pool by the mean', async () => {
    expect(DEFAULT_SENTENCE_POOLING).toBe('mean');
    expect(sentencePoolingFor('bert')).toBe('mean');
    // train-matching's bi-encoders are trained with the mean, so they agree with it too.
    expect(BI_ENCODER_POOLING).toBe(DEFAULT_SENTENCE_POOLING);
    const { built, tokenizer } = openModel(model);
    const inputs = TEXTS.slice(0, 3).map((text) => ({ text }));
    const mean = new Embedder(built, tokenizer, { pooling: 'mean' }).embed(inputs);
    const cls = new Embedder(built, tokenizer, { pooling: 'cls' }).embed(inputs);
    const byDefault = new Embedder(built, tokenizer).embed(inputs);
    expect(maxAbsDiff(byDefault, mean)).toBe(0);
    expect(maxAbsDiff(mean, cls)).toBeGreaterThan(1e-3); // the check can tell the two apart
    expect(resolvePooling(undefined, model, built)).toBe('mean');
    expect(resolvePooling('max', model, built)).toBe('max');
    const txt = join(tmp, 'default.txt');
    writeFileSync(txt, `${TEXTS.slice(0, 3).join('\n')}\n`);
    const out = join(tmp, 'default.jsonl');
    const r = await runCli('embed', '--backend', 'cpu', '--model', model, '--input', txt, '--output', out);
    expect(r.code, r.stderr).toBe(0);
    const rows = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => Float32Array.from(JSON.parse(l).embedding as number[]));
    expect(maxAbsDiff(rows, mean)).toBeLessThan(1e-6);
  });

  it('a text far longer than --max-length is truncated, not an error', async () => {
    const txt = join(tmp, 'long.txt');
    writeFileSync(txt, `${'hello '.repeat(1000)}\nshort\n`);
    const out = join(tmp, 'long.jsonl');
    const r = await runCli('embed', '--backend', 'cpu', '--model', model, '--input', txt, '--output', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('1 input(s) truncated to 64 tokens');
    expect(readFileSync(out, 'utf8').trim().split('\n').length).toBe(2);
  });

  it('bad inputs fail with one line and leave no output: empty file, invalid JSON line, no vocab', async () => {
    const empty = join(tmp, 'empty.txt');
    writeFileSync(empty, '');
    const out = join(tmp, 'never.jsonl');
    let r = await runCli('embed', '--backend', 'cpu', '--model', model, '--input', empty, '--output', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`input file is empty: ${empty}`);

    const bad = join(tmp, 'bad.jsonl');
    writeFileSync(bad, '{"text": "fine"}\n\n{"text": "broken"\n');
    r = await runCli('embed', '--backend', 'cpu', '--model', model, '--input', bad, '--output', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${bad}:3: invalid JSON`);

    const noVocab = join(tmp, 'no-vocab');
    mkdirSync(noVocab);
    for (const f of ['config.json', 'model.safetensors']) copyFileSync(join(model, f), join(noVocab, f));
    const txt = join(tmp, 'one.txt');
    writeFileSync(txt, 'hello\n');
    r = await runCli('embed', '--backend', 'cpu', '--model', noVocab, '--input', txt, '--output', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no vocab\.txt/);
    expect(existsSync(out)).toBe(false);
  });
});
