// `train-matching --engine onnx` against `--engine tfjs`: 50 optimizer steps on the bundled zh-matching data
// from the fixture BERT (fixtures/bert with dropout set to 0, so both engines compute the same function)
// give the same per-step loss curve within 1e-3 and the same test metric within 0.01; the summary names the
// engine that ran, and `auto` falls back to tfjs with a one-line reason when a flag is outside the graph.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { rawToFloat32, readSafetensors } from '@bert4tfjs/core';
import { fixturePath, REPO_ROOT } from '../../../test/helpers/paths.ts';
import type { MatchingObjective } from '../src/matching/encode.ts';
import { type TrainMatchingOptions, trainMatching } from '../src/matching/run.ts';
import { tempDir } from './helpers.ts';

const DATA = join(REPO_ROOT, 'examples', 'data', 'zh-matching');

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** fixtures/bert with dropout 0 (config.json edited), its weights and the fixture WordPiece vocab. */
function deterministicBert(root: string): string {
  const dir = join(root, 'bert-no-dropout');
  mkdirSync(dir, { recursive: true });
  const config = JSON.parse(readFileSync(fixturePath('bert', 'config.json'), 'utf8'));
  config.hidden_dropout_prob = 0;
  config.attention_probs_dropout_prob = 0;
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  copyFileSync(fixturePath('bert', 'model.safetensors'), join(dir, 'model.safetensors'));
  copyFileSync(fixturePath('tokenizers', 'bert_wordpiece', 'vocab.txt'), join(dir, 'vocab.txt'));
  return dir;
}

const stepLosses = (out: string): number[] =>
  readFileSync(join(out, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((e) => e.event === 'step')
    .map((e) => e.loss as number);

const QUERY = 'bert.encoder.layer.0.attention.self.query.weight';

/** Largest |saved − fixture| of tensor `name`. */
function maxDiff(saved: string, name: string): number {
  const read = (path: string) => rawToFloat32(readSafetensors(path).get(name)!, name);
  const a = read(saved);
  const b = read(fixturePath('bert', 'model.safetensors'));
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

describe('train-matching: the onnx engine reproduces the tfjs engine', () => {
  const root = tempDir('tm-engines');
  const model = deterministicBert(root);
  const base = (objective: MatchingObjective, ext: 'tsv' | 'csv'): TrainMatchingOptions => ({
    train: join(DATA, `train.${ext}`),
    valid: join(DATA, `valid.${ext}`),
    test: join(DATA, `test.${ext}`),
    model,
    objective,
    epochs: 1,
    batchSize: 8,
    limitTrain: 400, // 50 steps
    limitEval: 80,
    maxLength: 32,
    lr: 5e-4,
    evalsPerEpoch: 1,
    seed: 7,
    out: '',
  });

  for (const [objective, ext] of [
    ['cross-encoder', 'tsv'],
    ['cross-encoder-cosent', 'csv'],
  ] as const) {
    it(`${objective}: 50 steps, loss curves within 1e-3 and test metric within 0.01`, async () => {
      const runs = [];
      for (const engine of ['tfjs', 'onnx'] as const) {
        const out = join(root, `${objective}-${engine}`);
        const summary = await trainMatching({ ...base(objective, ext), engine, out });
        expect(summary.engine.name).toBe(engine);
        runs.push({ summary, losses: stepLosses(out) });
      }
      const [a, b] = runs;
      expect(a.summary.steps).toBe(50);
      expect(a.losses.length).toBe(50);
      expect(b.losses.length).toBe(50);
      let worst = 0;
      a.losses.forEach((l, i) => {
        worst = Math.max(worst, Math.abs(l - b.losses[i]));
      });
      const metric = Object.keys(a.summary.test!).find((k) => k === 'accuracy' || k === 'spearman')!;
      const ma = a.summary.test![metric as keyof typeof a.summary.test] as number;
      const mb = b.summary.test![metric as keyof typeof b.summary.test] as number;
      console.log(
        `${objective}: loss ${a.losses[0].toFixed(4)} -> ${a.losses.at(-1)!.toFixed(4)}, worst |Δloss| ${worst.toExponential(2)}; test ${metric} tfjs ${ma.toFixed(4)} onnx ${mb.toFixed(4)}`,
      );
      // Both trained: the saved query weights moved away from the checkpoint's, by the same amount.
      const moved = ['tfjs', 'onnx'].map((e) => maxDiff(join(root, `${objective}-${e}`, 'model.safetensors'), QUERY));
      expect(moved[0]).toBeGreaterThan(1e-3);
      expect(Math.abs(moved[0] - moved[1])).toBeLessThan(1e-5);
      expect(worst).toBeLessThan(1e-3);
      expect(Math.abs(ma - mb)).toBeLessThan(0.01);
    }, 120_000);
  }

  it('--grad-accum 3 --clip-norm 0.5: the onnx engine accumulates as tfjs does (losses, weights, step count)', async () => {
    const opts = { ...base('cross-encoder', 'tsv'), limitTrain: 192 }; // 24 batches = 8 updates
    const runs = [];
    for (const engine of ['tfjs', 'onnx'] as const) {
      const out = join(root, `accum-${engine}`);
      const summary = await trainMatching({ ...opts, engine, controls: { gradAccum: 3, clipNorm: 0.5 }, out });
      expect(summary.engine.name).toBe(engine);
      runs.push({ summary, losses: stepLosses(out), out });
    }
    const [a, b] = runs;
    expect(a.losses.length).toBe(24);
    expect(b.losses.length).toBe(24);
    expect(b.summary.steps).toBe(a.summary.steps);
    let worst = 0;
    a.losses.forEach((l, i) => {
      worst = Math.max(worst, Math.abs(l - b.losses[i]));
    });
    const moved = runs.map((r) => maxDiff(join(r.out, 'model.safetensors'), QUERY));
    console.log(
      `grad-accum 3: ${a.losses.length} logged steps, worst |Δloss| ${worst.toExponential(2)}, query moved ${moved[0].toExponential(3)} vs ${moved[1].toExponential(3)}`,
    );
    expect(moved[0]).toBeGreaterThan(1e-4);
    expect(Math.abs(moved[0] - moved[1])).toBeLessThan(1e-5);
    expect(worst).toBeLessThan(1e-3);
  }, 120_000);

  it('auto runs onnx, and falls back to tfjs with the reason for a flag the graph does not do', async () => {
    const opts = { ...base('cross-encoder', 'tsv'), limitTrain: 16, limitEval: 16 };
    const auto = await trainMatching({ ...opts, out: join(root, 'auto') });
    expect(auto.engine.name).toBe('onnx');
    expect(JSON.parse(readFileSync(join(root, 'auto', 'summary.json'), 'utf8')).engine.note).toMatch(
      /^engine: onnx \(onnxruntime-node /,
    );
    const fallback = await trainMatching({ ...opts, controls: { ema: 0.99 }, out: join(root, 'auto-ema') });
    expect(fallback.engine).toEqual({
      name: 'tfjs',
      note: 'engine: tfjs (onnx not used: the training graph does not do --ema)',
    });
  }, 60_000);
});
