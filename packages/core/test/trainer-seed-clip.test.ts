// The trainer's `seed` (dropout inside a step repeats for the same seed and step, differs otherwise) and
// `clipNorm` (the gradients reach the optimizer scaled to the clipping norm, worked by hand).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Trainer, adam, mixSeeds, withSeededRandom, type Optimizer, type TensorBatch } from '../src/index.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const batch = (): TensorBatch => ({ x: tf.ones([4, 8]) });

/** Losses of 3 steps of a loss that is pure dropout noise: mean(dropout(w · x, 0.5)). */
async function dropoutLosses(seed: number | undefined): Promise<number[]> {
  const w = tf.variable(tf.ones([8]));
  const opt = adam({ learningRate: 1e-3 });
  const trainer = new Trainer({
    variables: { w },
    lossFn: (b) => tf.mean(tf.dropout(tf.mul(b.x, w), 0.5)) as tf.Scalar,
    optimizer: opt,
    memoryBudget: Infinity,
    progress: false,
    ...(seed !== undefined ? { seed } : {}),
  });
  const losses: number[] = [];
  for (let s = 1; s <= 3; s++) {
    const b = batch();
    losses.push((await trainer.trainStep(b, s)).loss);
    tf.dispose(Object.values(b));
  }
  opt.dispose();
  w.dispose();
  return losses;
}

describe('Trainer seed', () => {
  it('repeats the dropout masks for the same seed, changes them with the seed and the step', async () => {
    const a = await dropoutLosses(7);
    const b = await dropoutLosses(7);
    const c = await dropoutLosses(8);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    // Different steps of one run draw different masks (not one mask repeated every step).
    expect(new Set(a).size).toBeGreaterThan(1);
  });

  it('withSeededRandom restores Math.random and mixSeeds separates neighbouring inputs', () => {
    const original = Math.random;
    const x = withSeededRandom(1, () => [Math.random(), Math.random()]);
    const y = withSeededRandom(1, () => [Math.random(), Math.random()]);
    expect(y).toEqual(x);
    expect(Math.random).toBe(original);
    expect(mixSeeds(1, 2)).not.toBe(mixSeeds(2, 1));
    expect(mixSeeds(1, 2)).not.toBe(mixSeeds(1, 3));
  });
});

describe('Trainer clipNorm', () => {
  /** The gradients the optimizer received for loss = 3·a + 4·b (gradient (3, 4), norm 5). */
  async function received(clipNorm?: number): Promise<number[]> {
    const a = tf.variable(tf.scalar(0));
    const b = tf.variable(tf.scalar(0));
    const seen: number[] = [];
    const spy = {
      kind: 'spy',
      iterations: 0,
      applyGradients(g: ReadonlyMap<string, tf.Tensor>) {
        seen.push(g.get('a')!.dataSync()[0], g.get('b')!.dataSync()[0]);
      },
      getState: () => new Map(),
      setState: () => {},
      getConfig: () => ({ kind: 'spy' }),
      dispose: () => {},
    } as unknown as Optimizer;
    const trainer = new Trainer({
      variables: { a, b },
      lossFn: () => tf.add(tf.mul(a, 3), tf.mul(b, 4)) as tf.Scalar,
      optimizer: spy,
      memoryBudget: Infinity,
      progress: false,
      ...(clipNorm !== undefined ? { clipNorm } : {}),
    });
    const x = batch();
    const r = await trainer.trainStep(x, 1);
    tf.dispose(Object.values(x));
    a.dispose();
    b.dispose();
    expect(r.gradNorm).toBeCloseTo(5, 5);
    return seen;
  }

  it('scales a gradient of norm 5 down to norm 1, leaves it alone under the threshold', async () => {
    const clipped = await received(1);
    expect(clipped[0]).toBeCloseTo(0.6, 6);
    expect(clipped[1]).toBeCloseTo(0.8, 6);
    const loose = await received(10);
    expect(loose[0]).toBeCloseTo(3, 6);
    expect(loose[1]).toBeCloseTo(4, 6);
  });

  it('rejects a non-positive clipNorm by name', () => {
    expect(
      () =>
        new Trainer({
          variables: [tf.variable(tf.scalar(0))],
          lossFn: () => tf.scalar(0),
          optimizer: adam(),
          clipNorm: 0,
        }),
    ).toThrow(/clipNorm/);
  });
});
