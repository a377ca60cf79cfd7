// Cached incremental decoding for T5 (fixtures/mt5 weights): the cached step gives the same logits as
// recomputing the whole decoder at every step, and greedy / beam search through AutoRegressiveDecoder
// give the same sequences and scores with and without the cache.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { disposeReplaced } from '@bert4tfjs/core';
import { buildTransformerModel, runModel, type TransformerModel } from '../src/index.ts';
import { t5Generator, type T5DecoderCache } from '../src/t5/generate.ts';
import { fixturePath } from '../../../test/helpers/paths.ts';
import { maxAbsDiff } from '../../../test/helpers/compare.ts';

const ATOL = 1e-4;

describe('t5Generator (fixtures/mt5)', () => {
  let built: TransformerModel;
  const inputs = JSON.parse(readFileSync(fixturePath('mt5', 'inputs.json'), 'utf8'));
  const enc = { input_ids: inputs.input_ids as number[][], attention_mask: inputs.attention_mask as number[][] };

  beforeAll(async () => {
    await tf.setBackend('cpu');
    built = buildTransformerModel({
      configPath: fixturePath('mt5', 'config.json'),
      checkpointPath: fixturePath('mt5', 'model.safetensors'),
    });
  });

  for (const family of ['mt5', 't5'] as const) {
    it(`${family}: cached logits equal full recomputation at every step (teacher-forced prefixes)`, async () => {
      const model =
        family === 'mt5'
          ? built
          : buildTransformerModel({
              configPath: fixturePath('t5', 'config.json'),
              checkpointPath: fixturePath('t5', 'model.safetensors'),
            });
      const fx = family === 'mt5' ? inputs : JSON.parse(readFileSync(fixturePath('t5', 'inputs.json'), 'utf8'));
      const encoderInputs = { input_ids: fx.input_ids as number[][], attention_mask: fx.attention_mask as number[][] };
      const before = tf.memory().numTensors;
      const gen = t5Generator(model, encoderInputs);
      const prefixes: number[][] = fx.decoder_input_ids;
      const steps = prefixes[0].length;
      let state: T5DecoderCache | null = null;
      let worst = 0;
      let wrongRows = 0;
      for (let t = 1; t <= steps; t++) {
        const outputIds = prefixes.map((r) => r.slice(0, t));
        const out = await gen.step(outputIds, state, [0, 1]);
        // The full model on the same prefix: the logits of its last position.
        const full = runModel(model, { ...encoderInputs, decoder_input_ids: outputIds });
        const want = tf.tidy(() => tf.reshape(tf.slice(full.lm_logits, [0, t - 1, 0], [-1, 1, -1]), [2, -1]));
        worst = Math.max(worst, maxAbsDiff(out.logits!.dataSync(), want.dataSync()));
        if (t === steps) {
          // Not vacuous: the same step on the other input's encoding gives clearly different logits.
          const swapped = await gen.step(outputIds, null, [1, 0]);
          wrongRows = maxAbsDiff(swapped.logits!.dataSync(), want.dataSync());
          tf.dispose(swapped.logits!);
          disposeReplaced(swapped.state, null);
        }
        tf.dispose([out.logits!, want, ...Object.values(full)]);
        // The new cache shares the cross-attention entries with the old one: free only what it replaced.
        disposeReplaced(state, out.state);
        state = out.state ?? null;
        expect(state!.selfKeys[0].shape).toEqual([2, 4, t, 8]);
      }
      console.log(
        `${family} cached vs full logits, ${steps} steps: max |diff| = ${worst.toExponential(2)} (other input: ${wrongRows.toFixed(2)})`,
      );
      expect(worst).toBeLessThan(ATOL);
      expect(wrongRows).toBeGreaterThan(1e-2);
      disposeReplaced(state, null);
      gen.dispose();
      expect(tf.memory().numTensors).toBe(before);
      if (model !== built) model.model.dispose();
    });
  }

  it('a first step given several tokens fills the cache like token-by-token steps', async () => {
    const gen = t5Generator(built, enc);
    const outputIds = (inputs.decoder_input_ids as number[][]).map((r) => r.slice(0, 5));
    const a = await gen.step(outputIds, null, [1, 0]);
    let state: T5DecoderCache | null = null;
    let last: tf.Tensor | undefined;
    for (let t = 1; t <= 5; t++) {
      const o = await gen.step(
        outputIds.map((r) => r.slice(0, t)),
        state,
        [1, 0],
      );
      disposeReplaced(state, o.state);
      last?.dispose();
      state = o.state!;
      last = o.logits!;
    }
    expect(maxAbsDiff(a.logits!.dataSync(), last!.dataSync())).toBeLessThan(ATOL);
    expect(maxAbsDiff(a.state!.selfValues[1].dataSync(), state!.selfValues[1].dataSync())).toBeLessThan(ATOL);
    tf.dispose([a.logits!, last!]);
    disposeReplaced(a.state, state);
    disposeReplaced(state, null);
    gen.dispose();
  });

  for (const method of ['greedy', 'beamSearch'] as const) {
    it(`${method} with the cache equals ${method} without it`, async () => {
      const before = tf.memory().numTensors;
      const run = async (cache: boolean) => {
        const gen = t5Generator(built, enc, { cache });
        const d = gen.decoder({ maxLength: 6 });
        const out =
          method === 'greedy'
            ? await d.greedy(gen.numInputs)
            : await d.beamSearch({ topK: 3, numInputs: gen.numInputs });
        gen.dispose();
        return out;
      };
      const cached = await run(true);
      const plain = await run(false);
      expect(cached).toHaveLength(2);
      expect(cached.map((h) => h.tokens)).toEqual(plain.map((h) => h.tokens));
      cached.forEach((h, i) => expect(Math.abs(h.score - plain[i].score)).toBeLessThan(ATOL));
      expect(cached[0].tokens.length).toBeGreaterThan(0);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('greedy decoding follows the argmax of the full model', async () => {
    const gen = t5Generator(built, { input_ids: [enc.input_ids[1]] });
    const [hyp] = await gen.decoder({ maxLength: 4 }).greedy(1);
    gen.dispose();
    // Re-derive each token as the argmax of the full model on the prefix so far.
    const prefix = [0];
    for (const token of hyp.tokens) {
      const out = runModel(built, { input_ids: [enc.input_ids[1]], decoder_input_ids: [prefix] });
      const argmax = tf.tidy(
        () => tf.argMax(tf.slice(out.lm_logits, [0, prefix.length - 1, 0], [1, 1, -1]), -1).dataSync()[0],
      );
      Object.values(out).forEach((t) => t.dispose());
      expect(token).toBe(argmax);
      prefix.push(token);
    }
  });

  it('rejects bad inputs with clear errors', () => {
    expect(() => t5Generator(built, { input_ids: [] })).toThrow(/non-empty/);
    expect(() => t5Generator(built, { input_ids: [[1, 2], [3]] })).toThrow(/row 1 has length 1/);
    expect(() =>
      t5Generator(built, {
        input_ids: [[1, 2]],
        attention_mask: [
          [1, 1],
          [1, 1],
        ],
      }),
    ).toThrow(/attention_mask' has 2 rows/);
    expect(() => t5Generator(built, { input_ids: [[1, 99999]] })).toThrow(/outside the vocabulary/);
    const gen = t5Generator(built, { input_ids: [[5, 1]] });
    expect(() => gen.step([[0]], null, [1])).toThrow(/inputIndex 1 is outside \[0, 1\)/);
    gen.dispose();
    expect(() => gen.step([[0]], null, [0])).toThrow(/after dispose/);
  });

  it('runModel reports missing decoder inputs and mismatched batches', () => {
    expect(() => runModel(built, { input_ids: enc.input_ids })).toThrow(/no 'decoder_input_ids'/);
    expect(() => runModel(built, { input_ids: enc.input_ids, decoder_input_ids: [[0, 5]] })).toThrow(
      /decoder_input_ids' has 1 rows, expected batch 2/,
    );
    expect(() =>
      runModel(built, {
        input_ids: enc.input_ids,
        decoder_input_ids: [[0], [0]],
        decoder_attention_mask: [
          [1, 1],
          [1, 1],
        ],
      }),
    ).toThrow(/decoder_attention_mask' must have the shape of 'decoder_input_ids'/);
  });
});
