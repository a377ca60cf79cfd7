// The trainer over explicit variables (a linear model): micro-batching equals the full batch, NaN guard,
// early stopping, resume equality, the metrics log, and bad input rejected before any update.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DataGenerator,
  EarlyStopping,
  Trainer,
  adam,
  batchGradients,
  crossEntropy,
  latestCheckpoint,
  listCheckpoints,
  loadCheckpoint,
  piecewiseLinear,
  readMetricsLog,
  toTensorBatch,
  variablesTarget,
  type Optimizer,
  type TensorBatch,
} from '../src/index.ts';

const root = mkdtempSync(join(tmpdir(), 'trainer-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** 12 examples of y = 2·x0 − x1 + 0.5·x2 + 1, with deterministic pseudo-random inputs. */
const examples = Array.from({ length: 12 }, (_, i) => {
  const x = [Math.sin(i + 1), Math.cos(2 * i + 1), ((i * 7) % 5) / 5 - 0.4];
  return { x, y: 2 * x[0] - x[1] + 0.5 * x[2] + 1 };
});
const collate = (xs: { x: number[]; y: number }[]): TensorBatch =>
  toTensorBatch({ x: xs.map((e) => e.x), y: xs.map((e) => [e.y]) }, { x: 'float32', y: 'float32' });

/** A variable that owns its value (no stray initial tensor left behind). */
const variable = (make: () => tf.Tensor): tf.Variable => tf.tidy(() => tf.variable(make()));
function makeVars(): Record<string, tf.Variable> {
  return { w: variable(() => tf.tensor2d([[0.1], [-0.2], [0.3]])), b: variable(() => tf.zeros([1])) };
}
const mse =
  (vars: Record<string, tf.Variable>) =>
  (batch: TensorBatch): tf.Scalar =>
    tf.tidy(() => batch.x.matMul(vars.w).add(vars.b).sub(batch.y).square().mean() as tf.Scalar);

/** Plain SGD: the update is proportional to the gradient, so unequal gradients show (Adam's first step would hide them). */
function sgd(lr: number): Optimizer {
  let steps = 0;
  return {
    kind: 'sgd',
    get iterations() {
      return steps;
    },
    applyGradients(grads, vars) {
      const g = grads as ReadonlyMap<string, tf.Tensor>;
      const v = vars as ReadonlyMap<string, tf.Variable>;
      for (const [k, t] of g) tf.tidy(() => v.get(k)!.assign(v.get(k)!.sub(t.mul(lr))));
      steps++;
    },
    getState: () => new Map([['sgd/iterations', tf.scalar(steps, 'int32')]]),
    setState(s) {
      steps = s.get('sgd/iterations')!.dataSync()[0];
    },
    getConfig: () => ({ kind: 'sgd', lr }),
    dispose() {},
  };
}

const values = (vars: Record<string, tf.Variable>): number[] => [...vars.w.dataSync(), ...vars.b.dataSync()];

describe('micro-batching', () => {
  it('gives the gradients of the whole batch (weighted by micro-batch size)', () => {
    const vars = makeVars();
    const target = variablesTarget(vars, mse(vars));
    const batch = collate(examples.slice(0, 8));
    const full = batchGradients(target, batch, [8]);
    const split = batchGradients(target, batch, [3, 3, 2]);
    expect(split.loss).toBeCloseTo(full.loss, 6);
    for (const k of ['w', 'b']) {
      const a = full.grads.get(k)!.dataSync();
      const b = split.grads.get(k)!.dataSync();
      a.forEach((x, i) => expect(b[i]).toBeCloseTo(x, 6));
    }
    expect(split.gradNorm).toBeCloseTo(full.gradNorm, 6);
    tf.dispose([...full.grads.values(), ...split.grads.values(), ...Object.values(batch), ...Object.values(vars)]);
  });

  it('trains to the same weights with a fixed micro-batch of 3 as with whole batches of 8', async () => {
    const run = async (microBatch: 'off' | number): Promise<number[]> => {
      const vars = makeVars();
      const t = new Trainer({ variables: vars, lossFn: mse(vars), optimizer: sgd(0.1), microBatch, progress: false });
      const r = await t.fit(new DataGenerator(examples, { batchSize: 8, seed: 3, collate }), { epochs: 2 });
      expect(r.history.every((h) => h.microBatches === (microBatch === 'off' ? 1 : h.examples === 8 ? 3 : 2))).toBe(
        true,
      );
      const out = values(vars);
      tf.dispose(Object.values(vars));
      return out;
    };
    const whole = await run('off');
    const micro = await run(3);
    micro.forEach((x, i) => expect(x).toBeCloseTo(whole[i], 5));
  });
});

describe('Trainer.fit', () => {
  it('stops on a NaN loss naming the step, keeping the last good checkpoint', async () => {
    const dir = join(root, 'nan');
    const bad = examples.map((e, i) => (i === 5 ? { ...e, y: NaN } : e));
    const vars = makeVars();
    const t = new Trainer({
      variables: vars,
      lossFn: mse(vars),
      optimizer: adam({ learningRate: 0.01 }),
      progress: false,
    });
    // Batches of 2 in order: example 5 is in batch 3, i.e. step 3.
    const gen = new DataGenerator(bad, { batchSize: 2, shuffle: false, collate });
    await expect(t.fit(gen, { epochs: 1, checkpointDir: dir, checkpointEvery: 1 })).rejects.toThrow(
      /loss is NaN at step 3 \(epoch 0, batch 2 .*last good checkpoint is .*step-00000002/,
    );
    const latest = latestCheckpoint(dir)!;
    expect(latest.step).toBe(2);
    const ck = loadCheckpoint(latest.path);
    expect([...ck.weights.get('w')!.dataSync(), ...ck.weights.get('b')!.dataSync()]).toEqual(values(vars));
    expect(ck.state.stepInEpoch).toBe(2);
    tf.dispose([...ck.weights.values(), ...ck.optimizer.values(), ...Object.values(vars)]);
    const log = readMetricsLog(join(dir, 'metrics.jsonl'));
    expect(log.some((r) => r.event === 'non-finite' && r.step === 3)).toBe(true);
  });

  it('early-stops after `patience` evaluations without improvement', async () => {
    const scripted = [1.0, 0.5, 0.6, 0.7, 0.4];
    const vars = makeVars();
    const t = new Trainer({ variables: vars, lossFn: mse(vars), optimizer: adam(), progress: false });
    const gen = new DataGenerator(examples, { batchSize: 4, collate });
    let calls = 0;
    const es = new EarlyStopping({ monitor: 'val_loss', patience: 2 });
    const r = await t.fit(gen, { epochs: 5, evaluate: () => ({ val_loss: scripted[calls++] }), callbacks: [es] });
    // Evaluations at epoch ends: 1.0, 0.5 (best), 0.6, 0.7 -> two without improvement -> stop after epoch 4.
    expect(calls).toBe(4);
    expect(r.stopReason).toBe('stopped');
    expect(r.step).toBe(4 * gen.stepsPerEpoch);
    expect(r.message).toMatch(/early stopping: val_loss .*best 0.5 at step 6/);
    expect(es.best).toBe(0.5);
    tf.dispose(Object.values(vars));
  });

  it('resumes an interrupted run onto the same loss curve and weights', async () => {
    const gen = () => new DataGenerator(examples, { batchSize: 4, seed: 11, collate });
    const fresh = () => {
      const vars = makeVars();
      return {
        vars,
        trainer: new Trainer({
          variables: vars,
          lossFn: mse(vars),
          optimizer: adam({ learningRate: 0.05 }),
          progress: false,
        }),
      };
    };
    const a = fresh();
    const full = await a.trainer.fit(gen(), { epochs: 3 });
    const dir = join(root, 'resume');
    const b1 = fresh();
    const part = await b1.trainer.fit(gen(), { epochs: 3, checkpointDir: dir, checkpointEvery: 1, maxSteps: 5 });
    expect(part.stopReason).toBe('max-steps');
    const b2 = fresh();
    const rest = await b2.trainer.fit(gen(), { epochs: 3, checkpointDir: dir, checkpointEvery: 1, resume: true });
    expect(rest.resumedFrom).toBe(5);
    expect(rest.history.map((h) => h.step)).toEqual([6, 7, 8, 9]);
    expect(rest.history.map((h) => h.loss)).toEqual(full.history.slice(5).map((h) => h.loss));
    expect(values(b2.vars)).toEqual(values(a.vars));
    expect(listCheckpoints(dir).map((c) => c.step)).toEqual([7, 8, 9]);
    const log = readMetricsLog(join(dir, 'metrics.jsonl'), { latestPerStep: true });
    expect(log.map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(log.map((r) => r.loss)).toEqual(full.history.map((h) => h.loss));
    for (const r of log)
      expect(Object.keys(r)).toEqual(expect.arrayContaining(['step', 'epoch', 'loss', 'lr', 'time']));
    expect(log[0].lr).toBeCloseTo(0.05, 10);
    for (const x of [a, b1, b2]) {
      tf.dispose(Object.values(x.vars));
      x.trainer.optimizer.dispose();
    }
  });

  it('refuses a checkpoint saved for different data', async () => {
    const dir = join(root, 'mismatch');
    const vars = makeVars();
    const t = new Trainer({ variables: vars, lossFn: mse(vars), optimizer: adam(), progress: false });
    await t.fit(new DataGenerator(examples, { batchSize: 4, seed: 1, collate }), { checkpointDir: dir });
    await expect(
      t.fit(new DataGenerator(examples, { batchSize: 4, seed: 2, collate }), { checkpointDir: dir, resume: true }),
    ).rejects.toThrow(/would not replay the same batches/);
    tf.dispose(Object.values(vars));
  });

  it('rejects bad input before any update, leaking no tensors', async () => {
    const vars = makeVars();
    const start = values(vars);
    const before = tf.memory().numTensors;
    const opt = adam();
    expect(() => new Trainer({ variables: vars, lossFn: mse(vars), optimizer: opt, learningRate: 1 } as never)).toThrow(
      /unknown option 'learningRate'/,
    );
    expect(() => new Trainer({ variables: vars, optimizer: opt } as never)).toThrow(/lossFn/);
    const t = new Trainer({ variables: vars, lossFn: mse(vars), optimizer: opt, progress: false });
    const gen = new DataGenerator(examples, { batchSize: 4, collate });
    await expect(t.fit(gen, { epoch: 2 } as never)).rejects.toThrow(/unknown option 'epoch'/);
    await expect(t.fit(gen, { checkpointEvery: 2 })).rejects.toThrow(/need 'checkpointDir'/);
    // A learning-rate schedule with unsorted steps is refused when the optimizer is built.
    expect(() =>
      adam({
        schedule: piecewiseLinear([
          [10, 1],
          [5, 0],
        ]),
      }),
    ).toThrow(/steps must increase strictly/);
    await expect(t.fit({ stepsPerEpoch: 0, batches: () => [], fingerprint: () => ({}) })).rejects.toThrow(/empty/);
    // Labels outside the class range: the loss's own check fires inside the first step.
    const kernel = variable(() => tf.zeros([2, 3]));
    const ce = new Trainer({
      variables: { kernel },
      lossFn: (b) => crossEntropy(b.labels, b.x.matMul(kernel)),
      optimizer: opt,
      progress: false,
    });
    const rows = [0, 1, 5, 2].map((label) => ({ x: [1, label], label }));
    const labels = new DataGenerator(rows, {
      batchSize: 4,
      shuffle: false,
      collate: (xs) => toTensorBatch({ x: xs.map((r) => r.x), labels: xs.map((r) => r.label) }, { x: 'float32' }),
    });
    await expect(ce.fit(labels)).rejects.toThrow(/class ids must be integers in \[0, 3\)/);
    expect([...kernel.dataSync()]).toEqual(new Array(6).fill(0));
    // A budget that cannot hold even the weights fails before the first step.
    const tiny = new Trainer({ variables: vars, lossFn: mse(vars), optimizer: opt, memoryBudget: 16, progress: false });
    await expect(tiny.fit(gen)).rejects.toThrow(/over the memory budget/);
    expect(values(vars)).toEqual(start);
    kernel.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(vars));
  });
});
