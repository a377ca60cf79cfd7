// `bert4tfjs train-matching` end to end on a small slice of the bundled Chinese matching data: every
// objective runs to completion with a tiny config, and the metrics it prints and saves are recomputed here
// from predictions-*.jsonl with the metric definitions written out below (not the library's).
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { readSafetensors, rawToFloat32 } from '@bert4tfjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath, REPO_ROOT } from '../../../test/helpers/paths.ts';
import { findSimilar } from '../src/commands/similar.ts';
import { makeBertModelDir, runCli, tempDir } from './helpers.ts';

const DATA = join(REPO_ROOT, 'examples', 'data', 'zh-matching');
const SMALL = [
  '--backend',
  'wasm',
  '--config',
  'micro',
  '--epochs',
  '1',
  '--batch-size',
  '16',
  '--limit-train',
  '48',
  '--limit-eval',
  '40',
  '--max-length',
  '40',
  '--evals-per-epoch',
  '1',
];

interface Pred {
  line: number;
  a: string;
  b: string;
  label: number;
  score: number;
  prediction?: number;
}
const readJsonl = (p: string): Pred[] =>
  readFileSync(p, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
const readJson = (p: string) => JSON.parse(readFileSync(p, 'utf8'));

// --- Metric definitions, written out independently of @bert4tfjs/core. ---
const acc = (pred: number[], y: number[]) => pred.filter((p, i) => p === y[i]).length / y.length;
function f1(pred: number[], y: number[]): number {
  const tp = pred.filter((p, i) => p === 1 && y[i] === 1).length;
  const fp = pred.filter((p, i) => p === 1 && y[i] === 0).length;
  const fn = pred.filter((p, i) => p === 0 && y[i] === 1).length;
  const prec = tp + fp ? tp / (tp + fp) : 0,
    rec = tp + fn ? tp / (tp + fn) : 0;
  return prec + rec ? (2 * prec * rec) / (prec + rec) : 0;
}
/** Accuracy of every candidate threshold (each distinct score, and above the maximum); the best one. */
function bruteBestAccuracy(s: number[], y: number[]): number {
  const cands = [...new Set(s), Math.max(...s) + 1];
  return Math.max(
    ...cands.map((t) =>
      acc(
        s.map((x) => (x >= t ? 1 : 0)),
        y,
      ),
    ),
  );
}
function ranks(v: number[]): number[] {
  // Average rank of ties: rank = 1 + (#smaller) + (#equal - 1) / 2.
  return v.map((x) => 1 + v.filter((z) => z < x).length + (v.filter((z) => z === x).length - 1) / 2);
}
function corr(x: number[], y: number[]): number {
  const mx = x.reduce((a, b) => a + b) / x.length,
    my = y.reduce((a, b) => a + b) / y.length;
  let sxy = 0,
    sxx = 0,
    syy = 0;
  x.forEach((xi, i) => {
    sxy += (xi - mx) * (y[i] - my);
    sxx += (xi - mx) ** 2;
    syy += (y[i] - my) ** 2;
  });
  return sxy / Math.sqrt(sxx * syy);
}
const spearmanOf = (x: number[], y: number[]) => corr(ranks(x), ranks(y));
function charJaccard(a: string, b: string): number {
  const set = (t: string) => new Set([...t.toLowerCase()].filter((c) => /[\p{L}\p{N}]/u.test(c)));
  const A = set(a),
    B = set(b);
  const inter = [...A].filter((c) => B.has(c)).length;
  return inter / (A.size + B.size - inter);
}

describe('train-matching', () => {
  const tmp = tempDir('b4t-tm-');
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  const run = async (name: string, objective: string, split: 'tsv' | 'csv', extra: string[] = []) => {
    const out = join(tmp, name);
    const r = await runCli(
      'train-matching',
      ...SMALL,
      '--objective',
      objective,
      '--train',
      join(DATA, `train.${split}`),
      '--valid',
      join(DATA, `valid.${split}`),
      '--test',
      join(DATA, `test.${split}`),
      '--out',
      out,
      ...extra,
    );
    expect(r.code, r.stderr).toBe(0);
    return out;
  };

  it('cross-encoder on binary pairs: accuracy and F1 recomputed; forward writes the same logits', async () => {
    const out = await run('cross', 'cross-encoder', 'tsv');
    for (const f of [
      'config.json',
      'model.safetensors',
      'vocab.txt',
      'tokenizer_config.json',
      'bert4tfjs.json',
      'metrics.jsonl',
      'summary.json',
      'curves.svg',
      'predictions-valid.jsonl',
      'predictions-test.jsonl',
    ]) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const summary = readJson(join(out, 'summary.json'));
    const config = readJson(join(out, 'config.json'));
    expect(config.num_labels).toBe(2);
    expect(summary.steps).toBe(3); // 48 pairs / 16
    for (const split of ['valid', 'test'] as const) {
      const p = readJsonl(join(out, `predictions-${split}.jsonl`));
      expect(p).toHaveLength(40);
      const y = p.map((r) => r.label);
      const pred = p.map((r) => (r.score >= 0.5 ? 1 : 0));
      expect(p.map((r) => r.prediction)).toEqual(pred);
      expect(summary[split].accuracy).toBeCloseTo(acc(pred, y), 10);
      expect(summary[split].f1).toBeCloseTo(f1(pred, y), 10);
    }
    // The saved directory is a Hugging Face BertForSequenceClassification: `forward` writes `logits`,
    // and softmax(logits)[1] is the score saved for that pair.
    const first = readJsonl(join(out, 'predictions-valid.jsonl'))[0];
    const { Tokenizer } = await import('@bert4tfjs/tokenizers');
    const enc = Tokenizer.fromVocabFile(join(out, 'vocab.txt')).encode(first.a, first.b, { maxLength: 40 });
    const inputs = join(tmp, 'inputs.json');
    writeFileSync(
      inputs,
      JSON.stringify({
        input_ids: [enc.inputIds],
        token_type_ids: [enc.tokenTypeIds],
        attention_mask: [enc.inputIds.map(() => 1)],
      }),
    );
    const fwd = join(tmp, 'fwd.safetensors');
    const r = await runCli('forward', '--backend', 'cpu', '--model', out, '--inputs', inputs, '--output', fwd);
    expect(r.code, r.stderr).toBe(0);
    const logits = readSafetensors(fwd).get('logits')!;
    expect(logits.shape).toEqual([1, 2]);
    const [l0, l1] = rawToFloat32(logits, 'logits');
    expect(Math.exp(l1) / (Math.exp(l0) + Math.exp(l1))).toBeCloseTo(first.score, 5);
    // metrics.jsonl: one record per step, validation metrics, and the final evaluations.
    const log = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(log.filter((x) => x.event === 'step')).toHaveLength(3);
    expect(log.some((x) => x.metrics?.valid_accuracy !== undefined)).toBe(true);
    expect(log.find((x) => x.event === 'final' && x.split === 'test').metrics.accuracy).toBe(summary.test.accuracy);
    expect(readFileSync(join(out, 'curves.svg'), 'utf8')).toMatch(/^<svg[\s\S]*train loss[\s\S]*valid accuracy/);
  });

  it('cosent on binary pairs: threshold chosen on valid, applied to test; baselines recomputed', async () => {
    const out = await run('cosent-bin', 'cosent', 'tsv');
    const summary = readJson(join(out, 'summary.json'));
    const v = readJsonl(join(out, 'predictions-valid.jsonl'));
    const t = readJsonl(join(out, 'predictions-test.jsonl'));
    const th = summary.valid.threshold;
    expect(summary.valid.accuracy).toBeCloseTo(
      bruteBestAccuracy(
        v.map((r) => r.score),
        v.map((r) => r.label),
      ),
      10,
    );
    expect(
      acc(
        v.map((r) => (r.score >= th ? 1 : 0)),
        v.map((r) => r.label),
      ),
    ).toBeCloseTo(summary.valid.accuracy, 10);
    expect(summary.test.threshold).toBe(th);
    expect(summary.test.accuracy).toBeCloseTo(
      acc(
        t.map((r) => (r.score >= th ? 1 : 0)),
        t.map((r) => r.label),
      ),
      10,
    );
    // Scores are cosines of unit vectors.
    for (const r of [...v, ...t]) expect(Math.abs(r.score)).toBeLessThanOrEqual(1 + 1e-5);
    // Majority class: the most frequent label of the 48 training pairs, scored on the test pairs.
    const trainLabels = readFileSync(join(DATA, 'train.tsv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1, 49)
      .map((l) => Number(l.split('\t')[3]));
    const maj = trainLabels.filter((x) => x === 1).length > 24 ? 1 : 0;
    expect(summary.baselines.majority.label).toBe(maj);
    expect(summary.baselines.majority.test).toBeCloseTo(t.filter((r) => r.label === maj).length / t.length, 10);
    const jv = v.map((r) => charJaccard(r.a, r.b));
    expect(summary.baselines.jaccard.valid.accuracy).toBeCloseTo(
      bruteBestAccuracy(
        jv,
        v.map((r) => r.label),
      ),
      10,
    );
    const jt = summary.baselines.jaccard.valid.threshold;
    expect(summary.baselines.jaccard.test.accuracy).toBeCloseTo(
      acc(
        t.map((r) => (charJaccard(r.a, r.b) >= jt ? 1 : 0)),
        t.map((r) => r.label),
      ),
      10,
    );
    // bert4tfjs.json tells embed / similar how this model pools.
    expect(readJson(join(out, 'bert4tfjs.json'))).toMatchObject({
      objective: 'cosent',
      pooling: 'mean',
      normalize: true,
      max_length: 40,
    });
  });

  it('cosent on graded scores: Spearman recomputed; embed reproduces the saved cosine', async () => {
    const out = await run('cosent-graded', 'cosent', 'csv');
    const summary = readJson(join(out, 'summary.json'));
    expect(summary.schema).toBe('graded');
    for (const split of ['valid', 'test'] as const) {
      const p = readJsonl(join(out, `predictions-${split}.jsonl`));
      expect(summary[split].spearman).toBeCloseTo(
        spearmanOf(
          p.map((r) => r.score),
          p.map((r) => r.label),
        ),
        10,
      );
      expect(summary[split].pearson).toBeCloseTo(
        corr(
          p.map((r) => r.score),
          p.map((r) => r.label),
        ),
        10,
      );
    }
    const t = readJsonl(join(out, 'predictions-test.jsonl'));
    expect(summary.baselines.majority).toBeNull();
    expect(summary.baselines.jaccard.test.spearman).toBeCloseTo(
      spearmanOf(
        t.map((r) => charJaccard(r.a, r.b)),
        t.map((r) => r.label),
      ),
      10,
    );
    // `embed` with the pooling the run wrote to bert4tfjs.json reproduces the saved cosine ...
    const input = join(tmp, 'pair.txt');
    writeFileSync(input, `${t[0].a}\n${t[0].b}\n`);
    const vecs = join(tmp, 'vecs.jsonl');
    const r = await runCli(
      'embed',
      '--backend',
      'cpu',
      '--model',
      out,
      '--input',
      input,
      '--output',
      vecs,
      '--pooling',
      'mean',
      '--normalize',
    );
    expect(r.code, r.stderr).toBe(0);
    const [ea, eb] = readFileSync(vecs, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).embedding as number[]);
    expect(Math.hypot(...ea)).toBeCloseTo(1, 4);
    expect(ea.reduce((s, x, i) => s + x * eb[i], 0)).toBeCloseTo(t[0].score, 4);
    // ... and so does `similar`, which reads the pooling from bert4tfjs.json by itself.
    const [hits] = findSimilar(out, [t[0].b], [t[0].a], { topK: 1 });
    expect(hits[0].score).toBeCloseTo(t[0].score, 4);
  });

  it('contrastive trains on the positive pairs only', async () => {
    const out = await run('contrastive', 'contrastive', 'tsv');
    const summary = readJson(join(out, 'summary.json'));
    const positives = readFileSync(join(DATA, 'train.tsv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1, 49)
      .filter((l) => l.endsWith('\t1')).length;
    expect(summary.data.train.pairs).toBe(48);
    expect(summary.steps).toBe(Math.ceil(positives / 16));
    const v = readJsonl(join(out, 'predictions-valid.jsonl'));
    expect(summary.valid.accuracy).toBeCloseTo(
      bruteBestAccuracy(
        v.map((r) => r.score),
        v.map((r) => r.label),
      ),
      10,
    );
  });

  it('cross-encoder on graded scores is a regression head (num_labels 1) scored by Spearman', async () => {
    const out = await run('cross-graded', 'cross-encoder', 'csv');
    expect(readJson(join(out, 'config.json'))).toMatchObject({ num_labels: 1, problem_type: 'regression' });
    const summary = readJson(join(out, 'summary.json'));
    const p = readJsonl(join(out, 'predictions-test.jsonl'));
    expect(p[0].prediction).toBeUndefined();
    expect(summary.test.spearman).toBeCloseTo(
      spearmanOf(
        p.map((r) => r.score),
        p.map((r) => r.label),
      ),
      10,
    );
  });

  it('fine-tunes a converted checkpoint (--model): encoder loaded, classifier new', async () => {
    const model = makeBertModelDir(tmp);
    const out = join(tmp, 'from-model');
    const r = await runCli(
      'train-matching',
      '--backend',
      'cpu',
      '--model',
      model,
      '--epochs',
      '1',
      '--batch-size',
      '16',
      '--limit-train',
      '32',
      '--limit-eval',
      '20',
      '--train',
      join(DATA, 'train.tsv'),
      '--valid',
      join(DATA, 'valid.tsv'),
      '--out',
      out,
    );
    expect(r.code, r.stderr).toBe(0);
    const summary = readJson(join(out, 'summary.json'));
    expect(summary.init).toMatch(/pretrained .*\(new: Classifier\)/);
    expect(summary.test).toBeNull();
    expect(readFileSync(join(out, 'vocab.txt'), 'utf8')).toBe(
      readFileSync(fixturePath('tokenizers', 'bert_wordpiece', 'vocab.txt'), 'utf8').replace(/\n*$/, '\n'),
    );
  });

  it('--pre-tokenize jieba: word tokens in the built vocab, recorded in tokenizer_config.json', async () => {
    const out = await run('jieba', 'cosent', 'tsv', ['--pre-tokenize', 'jieba']);
    const vocab = readFileSync(join(out, 'vocab.txt'), 'utf8').split('\n');
    expect(vocab.slice(0, 5)).toEqual(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
    expect(vocab.some((t) => [...t].length > 1 && /\p{Script=Han}/u.test(t))).toBe(true);
    expect(readJson(join(out, 'tokenizer_config.json')).pre_tokenize).toBe('jieba');
  });

  it('leaves no tensors behind (library call)', async () => {
    const { trainMatching } = await import('../src/matching/run.ts');
    const opts = {
      train: join(DATA, 'train.tsv'),
      valid: join(DATA, 'valid.tsv'),
      config: 'micro',
      epochs: 1,
      batchSize: 16,
      limitTrain: 32,
      limitEval: 20,
    };
    await trainMatching({ ...opts, out: join(tmp, 'leak-warm'), objective: 'cosent' });
    for (const objective of ['cross-encoder', 'cosent'] as const) {
      const before = tf.memory().numTensors;
      await trainMatching({ ...opts, out: join(tmp, `leak-${objective}`), objective });
      expect(tf.memory().numTensors, objective).toBe(before);
    }
  });
});
