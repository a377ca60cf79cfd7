// The ONNX step engine under the Trainer: 30 AdamW steps of the cross-encoder on fixtures/bert with dropout
// off give the same per-step losses as the tfjs engine within 1e-3, and the weights synced back into the
// tfjs model agree with the tfjs-trained ones within 1e-3; a model the graph cannot express is named.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  adam,
  adax,
  crossEntropy,
  extendWithGradientAccumulation,
  type TensorBatch,
  toTensorBatch,
  Trainer,
} from '@bert4tfjs/core';
import { buildTransformerModel, type TransformerModel } from '@bert4tfjs/models';
import { chooseTrainEngine, trainerKeyedVariables } from '../src/matching/engine-choice.ts';
import { fixturePath } from '../../../test/helpers/paths.ts';
import { prng } from '../../../test/helpers/random.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function build(): TransformerModel {
  const config = JSON.parse(readFileSync(fixturePath('bert', 'config.json'), 'utf8'));
  config.hidden_dropout_prob = 0;
  config.attention_probs_dropout_prob = 0;
  const built = buildTransformerModel({ model: 'bert', config, numLabels: 2 });
  // The same starting weights in both runs.
  built.model.weights.forEach((w, i) => {
    w.write(tf.randomNormal(w.shape as number[], 0, 0.05, 'float32', 100 + i));
  });
  return built;
}

function batches(): TensorBatch[] {
  const r = prng(5);
  return Array.from({ length: 30 }, () => {
    const lens = [6, 4, 5, 3];
    const ids = lens.map((n) => Array.from({ length: 6 }, (_, t) => (t < n ? 1 + Math.floor(r() * 50) : 0)));
    return toTensorBatch(
      {
        input_ids: ids,
        token_type_ids: ids.map((row) => row.map(() => 0)),
        attention_mask: lens.map((n) => Array.from({ length: 6 }, (_, t) => (t < n ? 1 : 0))),
        // A learnable rule: label 1 when the first token id is even.
        labels: ids.map((row) => (row[0] % 2 === 0 ? 1 : 0)),
      },
      { input_ids: 'int32', token_type_ids: 'int32', attention_mask: 'float32', labels: 'int32' },
    );
  });
}

interface RunOptions {
  /** Checkpoint here (every `every` steps) and stop after `maxSteps`, or resume from it. */
  dir?: string;
  maxSteps?: number;
  resume?: boolean;
  /** Gradient accumulation over this many batches (default 1: none). */
  accumulate?: number;
}

async function run(engineName: 'onnx' | 'tfjs', ro: RunOptions = {}) {
  const built = build();
  const inner = adam({ learningRate: 1e-3 });
  const optimizer = (ro.accumulate ?? 1) > 1 ? extendWithGradientAccumulation(inner, ro.accumulate!) : inner;
  const choice = await chooseTrainEngine(engineName, built, 'cross-encoder', 'binary', optimizer, {
    seed: 1,
    scale: 20,
  });
  expect(choice.name).toBe(engineName);
  const logitsAt = built.outputNames.indexOf('logits');
  const trainer = new Trainer({
    model: built.model,
    inputs: ['input_ids', 'token_type_ids', 'attention_mask'],
    loss: (outputs, batch) => crossEntropy(batch.labels, outputs[logitsAt], { sparse: true }),
    optimizer,
    microBatch: 'off',
    stepEngine: choice.engine,
  });
  const data = batches();
  const fit = await trainer.fit(
    {
      stepsPerEpoch: data.length,
      // A resumed run continues at batch `from` of the epoch.
      batches: (_epoch: number, from = 0) => data.slice(from).map((b) => ({ ...b })),
      fingerprint: () => ({ n: data.length }),
    } as never,
    ro.dir
      ? { checkpointDir: ro.dir, checkpointEvery: ro.maxSteps, maxSteps: ro.maxSteps, resume: ro.resume ?? false }
      : {},
  );
  tf.dispose(data.flatMap((b) => Object.values(b)).filter((t) => !t.isDisposed));
  const weights = [...trainerKeyedVariables(built.model)].map(([k, v]) => [k, v.dataSync().slice()] as const);
  return { losses: fit.history.map((h) => h.loss), weights: new Map(weights), engine: choice.engine };
}

describe('train-matching step engines', () => {
  it('onnx and tfjs give the same loss curve and weights over 30 steps (dropout off)', async () => {
    const a = await run('tfjs');
    const b = await run('onnx');
    expect(b.losses.length).toBe(30);
    let worstLoss = 0;
    a.losses.forEach((l, i) => {
      worstLoss = Math.max(worstLoss, Math.abs(l - b.losses[i]));
    });
    console.log(
      `loss ${a.losses[0].toFixed(4)} -> ${a.losses.at(-1)!.toFixed(4)}; worst |Δloss| ${worstLoss.toExponential(2)}`,
    );
    expect(worstLoss).toBeLessThan(1e-3);
    expect(a.losses.at(-1)!).toBeLessThan(a.losses[0]); // it trained
    let worstW = 0;
    for (const [k, w] of a.weights) {
      const o = b.weights.get(k)!;
      for (let i = 0; i < w.length; i++) worstW = Math.max(worstW, Math.abs(w[i] - o[i]));
    }
    expect(worstW).toBeLessThan(1e-3);
    expect(b.engine!.lastBytesOut).toBeGreaterThan(0);
  });

  it('a run checkpointed by one engine and resumed by the other ends where an uninterrupted run does', async () => {
    const whole = await run('tfjs');
    for (const [first, second] of [
      ['onnx', 'tfjs'],
      ['tfjs', 'onnx'],
    ] as const) {
      const dir = mkdtempSync(join(tmpdir(), `b4t-cross-resume-${first}-`));
      const head = await run(first, { dir, maxSteps: 12 });
      expect(head.losses.length).toBe(12);
      const tail = await run(second, { dir, resume: true });
      expect(tail.losses.length).toBe(18);
      let worstLoss = 0;
      tail.losses.forEach((l, i) => {
        worstLoss = Math.max(worstLoss, Math.abs(l - whole.losses[12 + i]));
      });
      let worstW = 0;
      for (const [k, w] of whole.weights) {
        const o = tail.weights.get(k)!;
        for (let i = 0; i < w.length; i++) worstW = Math.max(worstW, Math.abs(w[i] - o[i]));
      }
      console.log(
        `${first} -> ${second} resume at step 12: worst |Δloss| ${worstLoss.toExponential(2)}, |Δw| ${worstW.toExponential(2)}`,
      );
      expect(worstLoss).toBeLessThan(1e-4);
      expect(worstW).toBeLessThan(1e-4);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('gradient accumulation (4 batches): equal runs on both engines, and a resume mid-accumulation crosses engines', async () => {
    const whole = await run('tfjs', { accumulate: 4 });
    const onnx = await run('onnx', { accumulate: 4 });
    type Weights = ReadonlyMap<string, ArrayLike<number>>;
    const worst = (a: Weights, b: Weights) => {
      let w = 0;
      for (const [k, x] of a) {
        const y = b.get(k)!;
        for (let i = 0; i < x.length; i++) w = Math.max(w, Math.abs(x[i] - y[i]));
      }
      return w;
    };
    expect(worst(whole.weights, onnx.weights)).toBeLessThan(1e-4);
    onnx.losses.forEach((l, i) => expect(Math.abs(l - whole.losses[i])).toBeLessThan(1e-4));
    // Stopped after 14 batches: two micro-batches of the fourth update are in the accumulators.
    for (const [first, second] of [
      ['onnx', 'tfjs'],
      ['tfjs', 'onnx'],
    ] as const) {
      const dir = mkdtempSync(join(tmpdir(), `b4t-accum-resume-${first}-`));
      const head = await run(first, { dir, maxSteps: 14, accumulate: 4 });
      expect(head.losses.length).toBe(14);
      const tail = await run(second, { dir, resume: true, accumulate: 4 });
      const w = worst(whole.weights, tail.weights);
      console.log(`accumulate 4, ${first} -> ${second} resume after batch 14: |Δw| ${w.toExponential(2)}`);
      expect(w).toBeLessThan(1e-4);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it('--engine onnx names what the graph does not support; auto falls back to tfjs with the reason', async () => {
    const built = build();
    const opt = adax();
    await expect(
      chooseTrainEngine('onnx', built, 'cross-encoder', 'binary', opt, { seed: 1, scale: 20 }),
    ).rejects.toThrow(/Adam \/ AdamW.*'adax'/);
    const auto = await chooseTrainEngine('auto', built, 'cross-encoder', 'binary', opt, { seed: 1, scale: 20 });
    expect(auto.name).toBe('tfjs');
    expect(auto.engine).toBeUndefined();
    expect(auto.note).toMatch(/onnx not used: .*adax/);
  });

  it('a family the training graph does not cover (NEZHA: relative positions) is named; auto falls back', async () => {
    const nezha = buildTransformerModel({
      configPath: fixturePath('nezha', 'config.json'),
      checkpointPath: fixturePath('nezha', 'model.safetensors'),
      allowUnused: true,
    });
    const opt = adam({ learningRate: 1e-3 });
    await expect(chooseTrainEngine('onnx', nezha, 'cosent', 'graded', opt, { seed: 1, scale: 20 })).rejects.toThrow(
      /ONNX training engine: .*this model is 'nezha'/,
    );
    const auto = await chooseTrainEngine('auto', nezha, 'cosent', 'graded', opt, { seed: 1, scale: 20 });
    expect(auto.name).toBe('tfjs');
    expect(auto.note).toMatch(/^engine: tfjs \(onnx not used: ONNX training engine: .*'nezha'\)$/);
    nezha.model.dispose();
    opt.dispose();
  });
});
