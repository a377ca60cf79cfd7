import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bert4tfjsError } from '../src/errors.ts';
import { AutoRegressiveDecoder, PrefixTree, defaultReorderState } from '../src/generate/index.ts';
import type { Hypothesis, StepFn } from '../src/generate/index.ts';
import { RunningSumToy, TrigramToy, recording } from './generate-toys.ts';
import type { RunningSumState } from './generate-toys.ts';

const END = 0;
const START = 1;
const V = 6;
let toy: RunningSumToy;

beforeAll(async () => {
  await tf.setBackend('cpu');
  toy = new RunningSumToy(V, 2, 5, 'rs');
});
afterAll(() => toy.dispose());

function make<S>(
  step: StepFn<S>,
  extra: { reorderState?: (s: S, i: number[]) => S; minLength?: number } = {},
): AutoRegressiveDecoder<S> {
  return new AutoRegressiveDecoder<S>({ startId: START, endId: END, maxLength: 7, step, ...extra });
}

const strip = (h: Hypothesis): Omit<Hypothesis, 'score'> => ({ tokens: h.tokens, finished: h.finished });

describe('cached (incremental) step vs full recomputation', () => {
  const modes = [
    ['greedy', <S>(d: AutoRegressiveDecoder<S>) => d.greedy({ numInputs: 2 })],
    ['beamSearch', <S>(d: AutoRegressiveDecoder<S>) => d.beamSearch({ topK: 3, numInputs: 2, lengthPenalty: 0.7 })],
    ['randomSample', <S>(d: AutoRegressiveDecoder<S>) => d.randomSample({ n: 4, numInputs: 2, seed: 'x', topP: 0.9 })],
  ] as const;

  for (const [name, run] of modes) {
    it(`${name}: same logits at every step and same outputs`, async () => {
      const full: number[][][] = [];
      const incremental: number[][][] = [];
      const a = await run(make(recording(toy.uncached, full)));
      const b = await run(make(recording(toy.cached, incremental)));
      expect(JSON.stringify(b, (k, v) => (k === 'score' ? undefined : v))).toBe(
        JSON.stringify(a, (k, v) => (k === 'score' ? undefined : v)),
      );
      expect(incremental.length).toBe(full.length);
      expect(full.length).toBeGreaterThan(2);
      full.forEach((stepRows, t) => {
        expect(incremental[t].length).toBe(stepRows.length);
        stepRows.forEach((row, i) => row.forEach((v, j) => expect(incremental[t][i][j]).toBeCloseTo(v, 4)));
      });
    });
  }

  it('the comparison is sensitive: a reorder that ignores the indices breaks it', async () => {
    const full: number[][][] = [];
    const broken: number[][][] = [];
    const ignoreIndices = (s: RunningSumState, idx: number[]): RunningSumState =>
      defaultReorderState(
        s,
        idx.map((_, j) => Math.min(j, s.h.shape[0] - 1)),
      );
    await make(recording(toy.uncached, full)).beamSearch({ topK: 3, numInputs: 2 });
    await make(recording(toy.cached, broken), { reorderState: ignoreIndices }).beamSearch({ topK: 3, numInputs: 2 });
    const differs = broken.some((rows, t) =>
      rows.some((row, i) => row.some((v, j) => !(Math.abs(v - (full[t]?.[i]?.[j] ?? NaN)) < 1e-3))),
    );
    expect(differs).toBe(true);
  });

  it('a custom reorderState is used and gives the same result as the default', async () => {
    let calls = 0;
    const custom = (s: RunningSumState, idx: number[]): RunningSumState => {
      calls++;
      return tf.tidy(() => ({ h: tf.gather(s.h, idx), seen: tf.gather(s.seen, idx) }));
    };
    const a = await make(toy.cached).beamSearch({ topK: 3, numInputs: 2 });
    const b = await make(toy.cached, { reorderState: custom }).beamSearch({ topK: 3, numInputs: 2 });
    expect(calls).toBeGreaterThan(0);
    expect(b.map(strip)).toEqual(a.map(strip));
  });
});

describe('tensor hygiene', () => {
  it('leaves tf.memory().numTensors unchanged for every method, cached or not', async () => {
    const tree = new PrefixTree([[2, 3], [4], [5, 5, 2]], { endId: END });
    for (const step of [toy.cached, toy.uncached] as StepFn<unknown>[]) {
      const d = make(step, { minLength: 1 });
      const before = tf.memory().numTensors;
      await d.greedy(2);
      await d.beamSearch({ topK: 4, numInputs: 2, lengthPenalty: 1 });
      await d.beamSearch({ topK: 4, numInputs: 2, constraint: tree });
      await d.randomSample({ n: 5, numInputs: 2, seed: 3, topK: 3 });
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it('frees the cache and scores when the step or its output is at fault', async () => {
    const before = tf.memory().numTensors;
    let calls = 0;
    const failing: StepFn<RunningSumState> = (ids, s, g) => {
      if (++calls === 3) throw new Error('model failed');
      return toy.cached(ids, s, g);
    };
    await expect(make(failing).beamSearch({ topK: 3 })).rejects.toThrow('model failed');
    const wrongRows: StepFn<{ h: tf.Tensor }> = (ids) => ({
      logits: tf.zeros([ids.length + 1, V]),
      state: { h: tf.zeros([ids.length, 2]) },
    });
    await expect(make(wrongRows).greedy(1)).rejects.toThrow(/shape \[1 hypotheses, vocab\]/);
    const both: StepFn<null> = (ids) => ({ logits: tf.zeros([ids.length, V]), logProbs: tf.zeros([ids.length, V]) });
    await expect(make(both).greedy(1)).rejects.toThrow(/exactly one of logits or logProbs/);
    const tiny: StepFn<null> = (ids) => ({ logits: tf.zeros([ids.length, 1]) });
    await expect(
      new AutoRegressiveDecoder({ startId: 0, endId: 3, maxLength: 2, step: tiny }).greedy(1),
    ).rejects.toThrow(/endId 3/);
    const nan: StepFn<null> = (ids) => ({ logits: tf.fill([ids.length, V], NaN) });
    await expect(make(nan).greedy(1)).rejects.toThrow(/NaN/);
    const badConstraint = { allowedNext: () => [99] };
    await expect(make(toy.cached).greedy({ constraint: badConstraint })).rejects.toThrow(/allowedNext: id 99/);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('randomSample', () => {
  const tri = new TrigramToy(V, 2, 'sample');
  const d = new AutoRegressiveDecoder({ startId: START, endId: END, maxLength: 8, step: tri.step() });

  it('is reproducible with a seed and differs with another seed', async () => {
    const a = await d.randomSample({ n: 8, numInputs: 2, seed: 42 });
    const b = await d.randomSample({ n: 8, numInputs: 2, seed: 42 });
    const c = await d.randomSample({ n: 8, numInputs: 2, seed: 43 });
    expect(a).toHaveLength(2);
    expect(a[0]).toHaveLength(8);
    expect(b).toEqual(a);
    expect(c.map((r) => r.map(strip))).not.toEqual(a.map((r) => r.map(strip)));
  });

  it('with topK = 1 equals greedy, for any seed', async () => {
    const greedy = await d.greedy(2);
    for (const seed of [1, 2, 'z']) {
      const s = await d.randomSample({ n: 3, numInputs: 2, seed, topK: 1 });
      s.forEach((samples, g) => samples.forEach((h) => expect(strip(h)).toEqual(strip(greedy[g]))));
    }
  });

  it('honours minLength in every sample', async () => {
    const eager = new TrigramToy(V, 1, 'eager', { id: END, by: 4 });
    const m = new AutoRegressiveDecoder({ startId: START, endId: END, maxLength: 8, minLength: 3, step: eager.step() });
    const samples = (await m.randomSample({ n: 40, seed: 5 }))[0];
    for (const h of samples) {
      expect(h.tokens.length).toBeGreaterThanOrEqual(3);
    }
    expect(samples.filter((h) => h.finished && h.tokens.length === 3).length).toBeGreaterThan(20);
  });

  it('draws one step from the top-p filtered distribution (empirical frequencies)', async () => {
    // One decoding step over a fixed distribution; ids outside the nucleus must never appear.
    const p = [0.05, 0.5, 0.2, 0.15, 0.1];
    const fixed: StepFn<null> = (ids) => ({ logits: tf.tensor2d(ids.map(() => p.map(Math.log))) });
    const one = new AutoRegressiveDecoder({ startId: null, endId: 0, maxLength: 1, step: fixed });
    const n = 4000;
    const [samples] = await one.randomSample({ n, seed: 'freq', topP: 0.8 });
    const counts = new Array(5).fill(0);
    for (const h of samples) counts[h.finished ? 0 : h.tokens[0]]++;
    expect(counts[0]).toBe(0);
    expect(counts[4]).toBe(0);
    // Nucleus {1, 2, 3} has mass 0.85; check each frequency within 5 standard errors.
    for (const [id, q] of [
      [1, 0.5 / 0.85],
      [2, 0.2 / 0.85],
      [3, 0.15 / 0.85],
    ]) {
      expect(Math.abs(counts[id] / n - q)).toBeLessThan(5 * Math.sqrt((q * (1 - q)) / n));
    }
  });
});

describe('argument checking', () => {
  const step: StepFn<null> = (ids) => ({ logits: tf.zeros([ids.length, V]) });
  it('throws Bert4tfjsError naming the bad option', async () => {
    const ctor = (o: object) => () => new AutoRegressiveDecoder({ startId: 0, endId: 1, maxLength: 3, step, ...o });
    expect(ctor({ maxLength: 0 })).toThrow(/maxLength/);
    expect(ctor({ endId: -1 })).toThrow(/endId/);
    expect(ctor({ startId: 1.5 })).toThrow(/startId/);
    expect(ctor({ minLength: 4 })).toThrow(/minLength 4 exceeds maxLength 3/);
    expect(ctor({ step: 'no' })).toThrow(Bert4tfjsError);
    const d = ctor({})();
    await expect(d.beamSearch({ topK: 0 })).rejects.toThrow(/beamSearch: topK/);
    await expect(d.beamSearch({ topK: 2, lengthPenalty: -1 })).rejects.toThrow(/lengthPenalty/);
    await expect(d.greedy(0)).rejects.toThrow(/greedy: numInputs/);
    await expect(d.greedy({ minEnds: 0 })).rejects.toThrow(/minEnds/);
    await expect(d.randomSample({ n: 0 })).rejects.toThrow(/randomSample: n/);
    await expect(d.randomSample({ n: 2, topP: 2 })).rejects.toThrow(/topP/);
    await expect(d.randomSample({ n: 2, temperature: -1 })).rejects.toThrow(Bert4tfjsError);
    await expect(d.greedy({ constraint: {} as never })).rejects.toThrow(/constraint/);
  });
});
