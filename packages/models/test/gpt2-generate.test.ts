// GPT-2 generation on the fixture model: greedy decoding with the key/value cache gives exactly the
// tokens of greedy decoding without it and of an argmax over repeated full forwards of the LayersModel
// (scores equal to the summed log-softmax of those forwards); beam search and seeded sampling agree
// with and without the cache, seeds reproduce; no tensor outlives decoding; bad prompts are named.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { gpt2Generator, loadModelDir, runModel, type TransformerModel } from '../src/index.ts';
import { fixturePath } from '../../../test/helpers/paths.ts';

const MAX_NEW = 12;

/** Greedy by brute force: the whole sequence through the LayersModel each step, argmax of the last logits. */
function referenceGreedy(
  built: TransformerModel,
  prompt: number[],
  endId: number,
): { tokens: number[]; score: number } {
  const seq = [...prompt];
  const tokens: number[] = [];
  let score = 0;
  for (let i = 0; i < MAX_NEW; i++) {
    const out = runModel(built, { input_ids: [seq] });
    const row = tf.tidy(() => {
      const last = tf.slice(out.lm_logits, [0, seq.length - 1, 0], [1, 1, -1]);
      return tf.logSoftmax(tf.reshape(last, [-1])).arraySync() as number[];
    });
    tf.dispose(Object.values(out));
    let best = 0;
    for (let j = 1; j < row.length; j++) if (row[j] > row[best]) best = j;
    score += row[best];
    if (best === endId) return { tokens, score };
    tokens.push(best);
    seq.push(best);
  }
  return { tokens, score };
}

describe('GPT-2 generation (fixtures/gpt2)', () => {
  let built: TransformerModel;
  const prompts = JSON.parse(readFileSync(fixturePath('gpt2', 'inputs.json'), 'utf8')).input_ids as number[][];

  beforeAll(async () => {
    await tf.setBackend('cpu');
    built = loadModelDir(fixturePath('gpt2'));
  });

  it('greedy with cache = greedy without cache = argmax over repeated full forwards', async () => {
    for (const endId of [0, 299]) {
      const before = tf.memory().numTensors;
      const cached = await gpt2Generator(built, prompts)
        .decoder({ maxNewTokens: MAX_NEW, endId })
        .greedy(prompts.length);
      const uncached = await gpt2Generator(built, prompts, { cache: false })
        .decoder({ maxNewTokens: MAX_NEW, endId })
        .greedy(prompts.length);
      expect(tf.memory().numTensors).toBe(before);
      prompts.forEach((p, i) => {
        const ref = referenceGreedy(built, p, endId);
        expect(cached[i].tokens).toEqual(ref.tokens);
        expect(uncached[i].tokens).toEqual(ref.tokens);
        expect(cached[i].score).toBeCloseTo(ref.score, 4);
        expect(uncached[i].score).toBeCloseTo(ref.score, 4);
      });
      // The two prompts really decode differently (a broken cache shared across rows would not).
      expect(cached[0].tokens).not.toEqual(cached[1].tokens);
    }
  });

  it('beam search gives the same hypotheses with and without the cache', async () => {
    const before = tf.memory().numTensors;
    const opts = { topK: 3, numInputs: prompts.length };
    const cached = await gpt2Generator(built, prompts).decoder({ maxNewTokens: 8, endId: 299 }).beamSearch(opts);
    const uncached = await gpt2Generator(built, prompts, { cache: false })
      .decoder({ maxNewTokens: 8, endId: 299 })
      .beamSearch(opts);
    expect(tf.memory().numTensors).toBe(before);
    cached.forEach((h, i) => {
      expect(h.tokens).toEqual(uncached[i].tokens);
      expect(h.score).toBeCloseTo(uncached[i].score, 4);
      expect(h.tokens).toHaveLength(8);
    });
  });

  it('seeded top-k / top-p sampling reproduces, differs across seeds, and matches the uncached path', async () => {
    const sample = (seed: number, cache = true) =>
      gpt2Generator(built, prompts, { cache })
        .decoder({ maxNewTokens: 10, endId: 299 })
        .randomSample({ n: 3, numInputs: prompts.length, topK: 20, topP: 0.9, temperature: 1.3, seed });
    const before = tf.memory().numTensors;
    const a = await sample(7);
    const b = await sample(7);
    const c = await sample(8);
    const d = await sample(7, false);
    expect(tf.memory().numTensors).toBe(before);
    const tokens = (r: typeof a) => r.map((input) => input.map((h) => h.tokens));
    expect(tokens(a)).toEqual(tokens(b));
    expect(tokens(a)).toEqual(tokens(d));
    expect(tokens(a)).not.toEqual(tokens(c));
    // Three samples of one prompt are not all the same sequence (the sampler really samples).
    expect(new Set(a[0].map((h) => h.tokens.join())).size).toBeGreaterThan(1);
  });

  it('bad prompts and lengths are named', () => {
    expect(() =>
      gpt2Generator(built, [
        [1, 2, 3],
        [4, 5],
      ]),
    ).toThrow(/prompt 1 has 2 tokens, prompt 0 has 3/);
    expect(() => gpt2Generator(built, [[1, 300]])).toThrow(/prompt 0 token 1 = 300 is not an id in \[0, 300\)/);
    expect(() => gpt2Generator(built, [[]])).toThrow(/non-empty/);
    expect(() => gpt2Generator(built, [[1, 2]]).decoder({ maxNewTokens: 64 })).toThrow(
      /2-token prompt plus 64 new tokens exceeds the model's n_positions 64; ask for at most 63/,
    );
    expect(() => gpt2Generator(built, [[1, 2]]).decoder({ maxNewTokens: 0 })).toThrow(
      /maxNewTokens must be an integer >= 1/,
    );
  });
});
