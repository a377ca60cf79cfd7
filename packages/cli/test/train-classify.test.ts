// `bert4tfjs train-classify` on the deterministic synthetic topic set (packages/cli/src/data/synthetic-classify.ts;
// no labelled classification data is bundled): single-label CE beats the majority label by a wide margin,
// multi-label ZLPR learns (micro-F1 0.84 measured, above an all-negative predictor's 0), soft labels and TSV load, the
// metrics are recomputed from predictions with definitions written out here, and misfit options are errors.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { readClassifyFile } from '../src/classify/data.ts';
import { trainClassify } from '../src/classify/run.ts';
import { generateClassifyRows } from '../src/data/synthetic-classify.ts';
import { runCli, tempDir } from './helpers.ts';

const tmp = tempDir('b4t-tc-');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const jsonl = (name: string, rows: object[]) => {
  const p = join(tmp, name);
  writeFileSync(p, `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
  return p;
};
const readJson = (p: string) => JSON.parse(readFileSync(p, 'utf8'));
const QUICK = ['--backend', 'wasm', '--config', 'micro', '--batch-size', '16', '--max-length', '24', '--lr', '2e-3'];

describe('train-classify', () => {
  it('single-label: accuracy far above the majority label; macro/micro F1 recomputed from predictions', async () => {
    const [tr, va, te] = [
      jsonl('s-train.jsonl', generateClassifyRows(256, 1)),
      jsonl('s-valid.jsonl', generateClassifyRows(64, 2)),
      jsonl('s-test.jsonl', generateClassifyRows(64, 3)),
    ];
    const out = join(tmp, 'single');
    const r = await runCli(
      'train-classify',
      ...QUICK,
      '--epochs',
      '6',
      '--train',
      tr,
      '--valid',
      va,
      '--test',
      te,
      '--out',
      out,
    );
    expect(r.code, r.stderr).toBe(0);
    const s = readJson(join(out, 'summary.json'));
    expect(s.task).toBe('single-label');
    expect(s.labels).toEqual(['finance', 'sports', 'tech', 'travel']);
    expect(s.baselines.majority.test).toBeLessThan(0.4);
    expect(s.test.accuracy).toBeGreaterThan(0.8);
    expect(s.options).toMatchObject({ optimizer: 'adamw', save: 'best', loss: 'ce' });
    // Recompute accuracy and macro-F1 from predictions-test.jsonl.
    const preds = readFileSync(join(out, 'predictions-test.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const gold = preds.map((p) => Object.keys(p.gold)[0]);
    const got = preds.map((p) => p.predicted[0]);
    expect(s.test.accuracy).toBeCloseTo(got.filter((g: string, i: number) => g === gold[i]).length / gold.length, 10);
    const f1s = s.labels.map((l: string) => {
      const tp = got.filter((g: string, i: number) => g === l && gold[i] === l).length;
      const fp = got.filter((g: string, i: number) => g === l && gold[i] !== l).length;
      const fn = got.filter((g: string, i: number) => g !== l && gold[i] === l).length;
      return tp ? (2 * tp) / (2 * tp + fp + fn) : 0;
    });
    expect(s.test.macro_f1).toBeCloseTo(f1s.reduce((a: number, b: number) => a + b) / f1s.length, 10);
    expect(s.test.micro_f1).toBeCloseTo(s.test.accuracy, 10);
    expect(readJson(join(out, 'config.json')).id2label).toEqual({ 0: 'finance', 1: 'sports', 2: 'tech', 3: 'travel' });
  }, 240_000);

  it('multi-label ZLPR with soft labels: micro-F1 far above zero, per-class report', async () => {
    const soft = generateClassifyRows(256, 4, true).map((r, i) =>
      i % 4 === 0 ? { text: r.text, labels: Object.fromEntries(r.labels!.map((l) => [l, 0.9])) } : r,
    );
    const [tr, va] = [jsonl('m-train.jsonl', soft), jsonl('m-valid.jsonl', generateClassifyRows(64, 5, true))];
    expect(readClassifyFile(tr).multiLabel).toBe(true);
    const out = join(tmp, 'multi');
    const r = await runCli(
      'train-classify',
      ...QUICK,
      '--epochs',
      '8',
      '--train',
      tr,
      '--valid',
      va,
      '--test',
      va,
      '--out',
      out,
    );
    expect(r.code, r.stderr).toBe(0);
    const s = readJson(join(out, 'summary.json'));
    expect(s.task).toBe('multi-label');
    expect(s.test.micro_f1).toBeGreaterThan(0.6);
    expect(s.perClass).toHaveLength(4);
    for (const c of s.perClass) {
      expect(c.support).toBeGreaterThan(0);
      expect(c.f1).toBeCloseTo(
        c.precision + c.recall ? (2 * c.precision * c.recall) / (c.precision + c.recall) : 0,
        10,
      );
    }
  }, 240_000);

  it('--multi-sample-dropout 4: recorded, changes the training loss, and still learns', async () => {
    const [tr, va, te] = [
      jsonl('m-train.jsonl', generateClassifyRows(256, 1)),
      jsonl('m-valid.jsonl', generateClassifyRows(64, 2)),
      jsonl('m-test.jsonl', generateClassifyRows(64, 3)),
    ];
    const losses: Record<string, number[]> = {};
    for (const k of ['1', '4']) {
      const out = join(tmp, `msd-${k}`);
      const args = ['--epochs', '6', '--train', tr, '--valid', va, '--test', te, '--out', out];
      const r = await runCli('train-classify', ...QUICK, '--multi-sample-dropout', k, ...args);
      expect(r.code, r.stderr).toBe(0);
      const s = readJson(join(out, 'summary.json'));
      expect(s.options.multiSampleDropout).toBe(Number(k));
      console.log(`--multi-sample-dropout ${k}: test accuracy ${s.test.accuracy}`);
      expect(s.test.accuracy).toBeGreaterThan(0.8);
      losses[k] = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .filter((m) => typeof m.loss === 'number')
        .map((m) => m.loss);
    }
    // Same seed, same data order: the first step's loss is the mean over 4 dropout samples instead of 1.
    expect(losses['4'].length).toBeGreaterThan(0);
    expect(Math.abs(losses['4'][0] - losses['1'][0])).toBeGreaterThan(1e-6);
  });

  it('leaves no tensors behind (library call)', async () => {
    const f = jsonl('leak.jsonl', generateClassifyRows(32, 7));
    const opts = { train: f, valid: f, config: 'micro', epochs: 1, batchSize: 16, maxLength: 16 };
    await trainClassify({ ...opts, out: join(tmp, 'leak-warm') });
    const before = tf.memory().numTensors;
    await trainClassify({ ...opts, out: join(tmp, 'leak'), controls: { ema: 0.9 } });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reads TSV and soft single-label maps; bad rows and misfit options are named errors', async () => {
    const tsv = join(tmp, 'x.tsv');
    writeFileSync(tsv, '足球比赛\tsports\n股票市场\tfinance\n');
    expect(readClassifyFile(tsv).examples.map((e) => [...e.labels.keys()][0])).toEqual(['sports', 'finance']);
    const softFile = jsonl('soft.jsonl', [{ text: '甲', label: { a: 0.7, b: 0.3 } }]);
    expect([...readClassifyFile(softFile).examples[0].labels]).toEqual([
      ['a', 0.7],
      ['b', 0.3],
    ]);
    const bad = jsonl('bad.jsonl', [
      { text: '甲', label: 'a' },
      { text: '乙', labels: ['a'] },
    ]);
    expect(() => readClassifyFile(bad)).toThrow(/bad\.jsonl:2: mixes 'label' and 'labels'/);
    const badSoft = jsonl('bad-soft.jsonl', [{ text: '甲', label: { a: 0.7, b: 0.7 } }]);
    expect(() => readClassifyFile(badSoft)).toThrow(/bad-soft\.jsonl:1: single-label soft weights must sum to 1/);
    const m = jsonl('m.jsonl', generateClassifyRows(8, 6, true));
    const r = await runCli(
      'train-classify',
      ...QUICK,
      '--train',
      m,
      '--valid',
      m,
      '--label-smoothing',
      '0.1',
      '--out',
      join(tmp, 'no'),
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--label-smoothing: multi-label ZLPR has no softmax/);
  });
});
