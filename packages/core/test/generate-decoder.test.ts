import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { AutoRegressiveDecoder, PrefixTree } from '../src/generate/index.ts';
import type { Hypothesis, StepFn } from '../src/generate/index.ts';
import { TrigramToy, bruteForceBest, handGreedy, logSoftmax } from './generate-toys.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const END = 0;
const START = 3;
const V = 4;

function decoder(
  toy: TrigramToy,
  o: { maxLength: number; minLength?: number; pin?: number },
): AutoRegressiveDecoder<null> {
  return new AutoRegressiveDecoder({
    startId: START,
    endId: END,
    maxLength: o.maxLength,
    minLength: o.minLength,
    step: toy.step(o.pin),
  });
}

const strip = (h: Hypothesis): Omit<Hypothesis, 'score'> => ({ tokens: h.tokens, finished: h.finished });

describe('greedy', () => {
  it('equals the argmax chain computed by hand, for every input of a batch', async () => {
    for (const seed of ['g1', 'g2', 'g3']) {
      const toy = new TrigramToy(V, 3, seed);
      const got = await decoder(toy, { maxLength: 7 }).greedy(3);
      expect(got).toHaveLength(3);
      got.forEach((h, g) => {
        const want = handGreedy((ids) => toy.logProbs(g, ids), { startId: START, endId: END, maxLength: 7 });
        expect(strip(h)).toEqual({ tokens: want.tokens, finished: want.finished });
        expect(h.score).toBeCloseTo(want.score, 4);
      });
    }
  });

  it('masks the end id until minLength tokens exist', async () => {
    // Ending is made very tempting, so without the mask every output would be empty.
    const toy = new TrigramToy(V, 1, 'min', { id: END, by: 6 });
    expect((await decoder(toy, { maxLength: 8 }).greedy(1))[0].tokens).toEqual([]);
    const [h] = await decoder(toy, { maxLength: 8, minLength: 3 }).greedy(1);
    const want = handGreedy((ids) => toy.logProbs(0, ids), { startId: START, endId: END, maxLength: 8, minLength: 3 });
    expect(h.tokens).toHaveLength(3);
    expect(h.finished).toBe(true);
    expect(h.tokens).toEqual(want.tokens);
  });

  it('continues past end ids until minEnds of them', async () => {
    const toy = new TrigramToy(V, 1, 'ends', { id: END, by: 1 });
    const [h] = await decoder(toy, { maxLength: 12 }).greedy({ minEnds: 2 });
    const want = handGreedy((ids) => toy.logProbs(0, ids), { startId: START, endId: END, maxLength: 12, minEnds: 2 });
    expect(strip(h)).toEqual({ tokens: want.tokens, finished: want.finished });
    if (h.finished) expect(h.tokens.filter((t) => t === END)).toHaveLength(1);
  });

  it('accepts log-probabilities instead of logits', async () => {
    const toy = new TrigramToy(V, 2, 'lp');
    const viaLogits = await decoder(toy, { maxLength: 6 }).greedy(2);
    const viaLogProbs = await new AutoRegressiveDecoder<null>({
      startId: START,
      endId: END,
      maxLength: 6,
      step: (ids, _s, inputIndex) => ({ logProbs: tf.tensor2d(ids.map((row, i) => toy.logProbs(inputIndex[i], row))) }),
    }).greedy(2);
    expect(viaLogProbs.map(strip)).toEqual(viaLogits.map(strip));
  });
});

describe('beamSearch', () => {
  it('with one beam equals greedy', async () => {
    for (const seed of ['b1', 'b2', 'b3', 'b4']) {
      const toy = new TrigramToy(V, 2, seed);
      const d = decoder(toy, { maxLength: 6, minLength: 1 });
      const greedy = await d.greedy(2);
      const beam = await d.beamSearch({ topK: 1, numInputs: 2 });
      expect(beam.map(strip)).toEqual(greedy.map(strip));
      beam.forEach((h, g) => expect(h.score).toBeCloseTo(greedy[g].score, 5));
    }
  });

  const cases = [
    { lengthPenalty: 0, minLength: 0, minEnds: 1 },
    { lengthPenalty: 1, minLength: 0, minEnds: 1 },
    { lengthPenalty: 0.6, minLength: 2, minEnds: 1 },
    { lengthPenalty: 0, minLength: 1, minEnds: 2 },
    // A strong penalty favours long outputs: stopping early on a naive bound would miss them.
    { lengthPenalty: 2, minLength: 0, minEnds: 1 },
  ];
  for (const c of cases) {
    it(`with a wide beam finds the brute-force best (${JSON.stringify(c)})`, async () => {
      const maxLength = 4;
      let beatsGreedy = 0;
      for (const seed of ['e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'e7', 'e8']) {
        const toy = new TrigramToy(V, 1, seed, { id: END, by: 0.5 });
        const want = bruteForceBest({
          vocab: V,
          startId: START,
          endId: END,
          maxLength,
          ...c,
          logProbs: (ids) => toy.logProbs(0, ids),
        });
        // 256 beams keep every candidate at every step (at most 64 live rows × 4 ids), so the
        // search is exhaustive and must match the enumeration.
        const [h] = await decoder(toy, { maxLength, minLength: c.minLength }).beamSearch({ topK: 256, ...c });
        expect(want).not.toBeNull();
        expect(h.tokens).toEqual(want!.tokens);
        expect(h.finished).toBe(true);
        expect(h.score).toBeCloseTo(want!.score, 4);
        const greedy = handGreedy((ids) => toy.logProbs(0, ids), { startId: START, endId: END, maxLength, ...c });
        if (greedy.tokens.join() !== want!.tokens.join()) beatsGreedy++;
      }
      // The cases must not be trivial: on some tables the optimum is not the greedy path.
      expect(beatsGreedy).toBeGreaterThan(0);
    });
  }

  it('with a length penalty keeps searching while a longer output could still win', async () => {
    // Step 0: end with p = 0.905, else id 1; then id 2 (almost surely) up to length 4, then end.
    // Normalised by length^2: early end -0.0998; the long path ≈ log(0.095) / 25 ≈ -0.094 wins,
    // though the cheap bound score / (length + 1)^2 = -2.35 / 4 would have stopped at step 0.
    const scoreRow = (len: number): number[] => {
      const row = new Array(V).fill(-30);
      if (len === 0) [row[END], row[1]] = [Math.log(0.905), Math.log(0.095)];
      else if (len < 4) row[2] = 0;
      else row[END] = 0;
      return row;
    };
    const logProbs = (ids: readonly number[]): number[] => logSoftmax(scoreRow(ids.length - 1));
    const step: StepFn<null> = (ids) => ({ logits: tf.tensor2d(ids.map((row) => scoreRow(row.length - 1))) });
    const d = new AutoRegressiveDecoder({ startId: START, endId: END, maxLength: 5, step });
    const want = bruteForceBest({ vocab: V, startId: START, endId: END, maxLength: 5, lengthPenalty: 2, logProbs })!;
    expect(want.tokens).toEqual([1, 2, 2, 2]);
    const [h] = await d.beamSearch({ topK: 2, lengthPenalty: 2 });
    expect(h.tokens).toEqual(want.tokens);
    // Without the penalty the early end is best.
    expect((await d.beamSearch({ topK: 2 }))[0].tokens).toEqual([]);
  });

  it('with a narrow beam still returns a valid finished sequence no better than the optimum', async () => {
    const toy = new TrigramToy(V, 1, 'narrow');
    const want = bruteForceBest({
      vocab: V,
      startId: START,
      endId: END,
      maxLength: 5,
      logProbs: (ids) => toy.logProbs(0, ids),
    })!;
    const [h] = await decoder(toy, { maxLength: 5 }).beamSearch({ topK: 2 });
    // Score of the returned tokens recomputed by hand must match what the decoder reports.
    let score = 0;
    [...h.tokens, END].forEach((id, t) => (score += toy.logProbs(0, [START, ...h.tokens.slice(0, t)])[id]));
    expect(h.score).toBeCloseTo(score, 4);
    expect(h.score).toBeLessThanOrEqual(want.score + 1e-5);
  });

  it('batched over inputs equals decoding each input alone', async () => {
    const toy = new TrigramToy(V, 3, 'batch');
    const batched = await decoder(toy, { maxLength: 6, minLength: 1 }).beamSearch({
      topK: 3,
      numInputs: 3,
      lengthPenalty: 0.5,
    });
    for (let g = 0; g < 3; g++) {
      const [alone] = await decoder(toy, { maxLength: 6, minLength: 1, pin: g }).beamSearch({
        topK: 3,
        lengthPenalty: 0.5,
      });
      expect(strip(batched[g])).toEqual(strip(alone));
      expect(batched[g].score).toBeCloseTo(alone.score, 5);
    }
  });

  it('returns the best unfinished hypothesis when nothing ends within maxLength', async () => {
    const toy = new TrigramToy(V, 1, 'unfinished');
    const [h] = await decoder(toy, { maxLength: 3, minLength: 3 }).beamSearch({ topK: 64 });
    expect(h.finished).toBe(false);
    expect(h.tokens).toHaveLength(3);
    // Exhaustive beam: the best of all 3^3 end-free sequences by raw score.
    let best = -Infinity;
    for (let a = 1; a < V; a++)
      for (let b = 1; b < V; b++)
        for (let c = 1; c < V; c++) {
          const s = toy.logProbs(0, [START])[a] + toy.logProbs(0, [START, a])[b] + toy.logProbs(0, [START, a, b])[c];
          best = Math.max(best, s);
        }
    expect(h.score).toBeCloseTo(best, 4);
  });
});

describe('decoding under a PrefixTree', () => {
  const VOCAB = 6;
  const sequences = [[1, 2], [1, 2, 3], [1, 4, 5, 2], [2], [5, 5, 1], [4, 3, 2, 1]];
  const tree = new PrefixTree(sequences, { endId: END });
  const toy = new TrigramToy(VOCAB, 2, 'tree', { id: END, by: 1 });
  const make = (minLength = 0, pin?: number): AutoRegressiveDecoder<null> =>
    new AutoRegressiveDecoder({ startId: null, endId: END, maxLength: 6, minLength, step: toy.step(pin) });

  it('every greedy, beam and sampled output is one of the sequences', async () => {
    const outputs = [
      ...(await make().greedy({ numInputs: 2, constraint: tree })),
      ...(await make().beamSearch({ topK: 2, numInputs: 2, constraint: tree })),
      ...(await make().randomSample({ n: 30, numInputs: 2, seed: 7, constraint: tree })).flat(),
    ];
    expect(outputs).toHaveLength(64);
    for (const h of outputs) {
      expect(h.finished).toBe(true);
      expect(tree.has(h.tokens)).toBe(true);
    }
    // Sampling explores: more than one distinct member turns up.
    expect(new Set(outputs.slice(4).map((h) => h.tokens.join(','))).size).toBeGreaterThan(1);
  });

  it('beam search returns the most probable allowed sequence (enumeration)', async () => {
    for (const minLength of [0, 2, 3]) {
      const results = await make(minLength).beamSearch({ topK: 16, numInputs: 2, constraint: tree });
      for (let g = 0; g < 2; g++) {
        // Score every member directly: model log-probs of its tokens then the end id.
        let best: { tokens: number[]; score: number } | null = null;
        for (const seq of sequences.filter((s) => s.length >= minLength)) {
          let score = 0;
          [...seq, END].forEach((id, t) => (score += toy.logProbs(g, seq.slice(0, t))[id]));
          if (best === null || score > best.score) best = { tokens: seq, score };
        }
        expect(results[g].tokens).toEqual(best!.tokens);
        expect(results[g].score).toBeCloseTo(best!.score, 4);
      }
    }
  });

  it('stops unfinished at a dead end (minLength beyond every sequence)', async () => {
    const short = new PrefixTree([[1], [2]], { endId: END });
    const [g] = await make(2).greedy({ constraint: short });
    const [b] = await make(2).beamSearch({ topK: 4, constraint: short });
    for (const h of [g, b]) {
      expect(h.finished).toBe(false);
      expect(h.tokens).toHaveLength(1);
    }
  });
});
