// The trainer's `seed`, `perturbation` (FGM and the gradient penalty, against gradients worked by hand) (dropout inside a step repeats for the same seed and step, differs otherwise) and
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

/** A spy optimizer: records the gradients it is given (by key) and changes nothing. */
function spyOptimizer(seen: Map<string, number[]>): Optimizer {
  return {
    kind: 'spy',
    iterations: 0,
    applyGradients(g: ReadonlyMap<string, tf.Tensor>) {
      for (const [k, t] of g) seen.set(k, [...t.dataSync()]);
    },
    getState: () => new Map(),
    setState: () => {},
    getConfig: () => ({ kind: 'spy' }),
    dispose: () => {},
  } as unknown as Optimizer;
}

describe('Trainer perturbation', () => {
  async function step(
    vars: Record<string, tf.Variable>,
    lossFn: () => tf.Scalar,
    perturbation: ConstructorParameters<typeof Trainer>[0]['perturbation'],
  ): Promise<Map<string, number[]>> {
    const seen = new Map<string, number[]>();
    const before = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, [...v.dataSync()]]));
    const trainer = new Trainer({
      variables: vars,
      lossFn,
      optimizer: spyOptimizer(seen),
      memoryBudget: Infinity,
      progress: false,
      perturbation,
    });
    const b = batch();
    await trainer.trainStep(b, 1);
    tf.dispose(Object.values(b));
    // The perturbed variable is put back exactly.
    for (const [k, v] of Object.entries(vars)) expect([...v.dataSync()], k).toEqual(before[k]);
    return seen;
  }

  it('FGM adds the gradient at E + ε·g/‖g‖: loss Σ sin(E), E = (0.3, −1.2), ε = 0.5', async () => {
    const E = tf.variable(tf.tensor1d([0.3, -1.2]));
    const g = await step({ E }, () => tf.sum(tf.sin(E)) as tf.Scalar, { kind: 'fgm', variable: 'E', epsilon: 0.5 });
    // cos(E) + cos(E + 0.5·ĝ), ĝ = cos(E)/‖cos(E)‖, worked in float64:
    const expected = [1.6749848418305198, 0.883440142978432];
    g.get('E')!.forEach((x, i) => expect(x).toBeCloseTo(expected[i], 5));
    E.dispose();
  });

  it('gradient penalty adds λ·∇(½‖∇_E L‖²): L = ½Σ c·E² + w·ΣE, c = (2, 3), E = (1, −0.5), w = 0.5, λ = 0.1', async () => {
    const E = tf.variable(tf.tensor1d([1, -0.5]));
    const w = tf.variable(tf.scalar(0.5));
    const c = tf.tensor1d([2, 3]);
    const loss = () => tf.add(tf.mul(0.5, tf.sum(tf.mul(c, tf.square(E)))), tf.mul(w, tf.sum(E))) as tf.Scalar;
    const g = await step({ E, w }, loss, { kind: 'gradient-penalty', variable: 'E', weight: 0.1 });
    // ∇_E L = c·E + w = (2.5, −1); penalty gradient: E: λ·c·∇_E L = (0.5, −0.3); w: λ·Σ∇_E L = 0.15.
    g.get('E')!.forEach((x, i) => expect(x).toBeCloseTo([3.0, -1.3][i], 3));
    expect(g.get('w')![0]).toBeCloseTo(0.5 + 0.15, 3);
    tf.dispose([E, w, c]);
  });

  it('names a perturbation variable that is not trained', () => {
    const E = tf.variable(tf.scalar(1));
    expect(
      () =>
        new Trainer({
          variables: { E },
          lossFn: () => tf.mul(E, 1) as tf.Scalar,
          optimizer: adam(),
          perturbation: { kind: 'fgm', variable: 'Embedding-Token/embeddings', epsilon: 1 },
        }),
    ).toThrow(/adversarial variable 'Embedding-Token\/embeddings' is not a trainable variable/);
    E.dispose();
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
