// Parity with Hugging Face T5ForConditionalGeneration / MT5ForConditionalGeneration on the generated
// fixtures (fixtures/t5: v1.0 relu + tied head; fixtures/mt5: gated-gelu + untied head): the three
// outputs, the relative position buckets and the position-bias tables, all within 1e-4.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  rawToFloat32,
  rawToInt32,
  readSafetensors,
  relativePositionBuckets,
  RelativePositionBias,
} from '@bert4tfjs/core';
import { buildTransformerModel, runModel, type TransformerModel } from '../src/index.ts';
import type { T5Config } from '../src/t5/config.ts';
import { fixturePath } from '../../../test/helpers/paths.ts';
import { maxAbsDiff } from '../../../test/helpers/compare.ts';

const ATOL = 1e-4;

for (const family of ['t5', 'mt5'] as const) {
  describe(`${family} parity with Hugging Face (fixtures/${family})`, () => {
    let built: TransformerModel;
    const inputs = JSON.parse(readFileSync(fixturePath(family, 'inputs.json'), 'utf8'));
    const expected = readSafetensors(fixturePath(family, 'expected.safetensors'));
    const feeds = {
      input_ids: inputs.input_ids,
      attention_mask: inputs.attention_mask,
      decoder_input_ids: inputs.decoder_input_ids,
      decoder_attention_mask: inputs.decoder_attention_mask,
    };

    beforeAll(async () => {
      await tf.setBackend('cpu');
      built = buildTransformerModel({
        configPath: fixturePath(family, 'config.json'),
        checkpointPath: fixturePath(family, 'model.safetensors'),
      });
    });

    it('builds the configured variant with the three outputs and standalone encoder/decoder', () => {
      const c = built.config as T5Config;
      expect(c.isGatedAct).toBe(family === 'mt5');
      expect(c.tieWordEmbeddings).toBe(family === 't5');
      expect(built.outputNames).toEqual(['encoder_last_hidden_state', 'decoder_last_hidden_state', 'lm_logits']);
      expect(built.encoder).toBeInstanceOf(tf.LayersModel);
      expect(built.decoder).toBeInstanceOf(tf.LayersModel);
      // The untied head is a layer of its own; the tied one reuses the token embedding.
      expect(built.model.layers.some((l) => l.name === 'LM-Head')).toBe(family === 'mt5');
    });

    it('encoder, decoder and lm_logits match within 1e-4 at every position, without leaks', () => {
      const before = tf.memory().numTensors;
      const out = runModel(built, feeds);
      for (const name of ['encoder_last_hidden_state', 'decoder_last_hidden_state', 'lm_logits']) {
        const want = expected.get(name)!;
        expect(out[name].shape).toEqual(want.shape);
        const diff = maxAbsDiff(out[name].dataSync(), rawToFloat32(want));
        console.log(`${family} ${name} max |diff| = ${diff.toExponential(2)}`);
        expect(diff).toBeLessThan(ATOL);
      }
      Object.values(out).forEach((t) => t.dispose());
      expect(tf.memory().numTensors).toBe(before);
    });

    it('the standalone encoder and decoder models give the same outputs', () => {
      const want = expected.get('lm_logits')!;
      const got = tf.tidy(() => {
        const ids = tf.tensor2d(inputs.input_ids, undefined, 'int32');
        const mask = tf.tensor2d(inputs.attention_mask, undefined, 'float32');
        const enc = (built.encoder as tf.LayersModel).predict([ids, mask]) as tf.Tensor;
        const dec = (built.decoder as tf.LayersModel).predict([
          tf.tensor2d(inputs.decoder_input_ids, undefined, 'int32'),
          tf.tensor2d(inputs.decoder_attention_mask, undefined, 'float32'),
          enc,
          mask,
        ]) as tf.Tensor[];
        return dec[1];
      });
      expect(maxAbsDiff(got.dataSync(), rawToFloat32(want))).toBeLessThan(ATOL);
      got.dispose();
    });

    for (const [stack, bidirectional] of [
      ['encoder', true],
      ['decoder', false],
    ] as const) {
      it(`${stack} relative buckets (int32) and position bias match`, () => {
        const wantBuckets = expected.get(`${stack}_relative_buckets`)!;
        expect(wantBuckets.dtype).toBe('I32');
        const [lq, lk] = wantBuckets.shape;
        const c = built.config as T5Config;
        const buckets = relativePositionBuckets(lq, lk, {
          numBuckets: c.relativeAttentionNumBuckets,
          maxDistance: c.relativeAttentionMaxDistance,
          bidirectional,
        });
        expect(Array.from(buckets)).toEqual(Array.from(rawToInt32(wantBuckets)));
        const layer = built.model.getLayer(
          `${stack === 'encoder' ? 'Encoder' : 'Decoder'}-RelativePositionBias`,
        ) as RelativePositionBias;
        expect(layer.bidirectional).toBe(bidirectional);
        const bias = layer.bias(lq, lk);
        const want = expected.get(`${stack}_position_bias`)!;
        expect(bias.shape).toEqual(want.shape);
        expect(maxAbsDiff(bias.dataSync(), rawToFloat32(want))).toBeLessThan(1e-6);
        bias.dispose();
      });
    }
  });
}

describe('relativePositionBucket beyond the fixture lengths (32 buckets, max distance 128)', () => {
  // Derived by hand from the T5 formula: exact buckets below maxExact, then
  // maxExact + trunc(ln(d / maxExact) / ln(maxDistance / maxExact) * (buckets - maxExact)), capped.
  const enc = { numBuckets: 32, maxDistance: 128, bidirectional: true };
  const dec = { numBuckets: 32, maxDistance: 128, bidirectional: false };
  it.each([
    [0, 0],
    [-3, 3],
    [3, 19],
    [-8, 8],
    [-16, 10],
    [16, 26],
    [-127, 15],
    [-128, 15],
    [500, 31],
    [-500, 15],
  ])('encoder: key - query = %i -> bucket %i', (rel, want) => {
    expect(relativePositionBuckets(1, 1, enc, -rel)[0]).toBe(want);
  });
  it.each([
    [5, 0],
    [0, 0],
    [-15, 15],
    [-16, 16],
    [-32, 21],
    [-64, 26],
    [-1000, 31],
  ])('decoder: key - query = %i -> bucket %i', (rel, want) => {
    expect(relativePositionBuckets(1, 1, dec, -rel)[0]).toBe(want);
  });
  it('the query offset shifts every row (incremental decoding sees the same buckets)', () => {
    const full = relativePositionBuckets(6, 6, dec);
    expect(Array.from(relativePositionBuckets(1, 6, dec, 5))).toEqual(Array.from(full.subarray(30, 36)));
  });
  it('rejects a table too small for its bucket layout', () => {
    expect(() => new RelativePositionBias({ heads: 2, numBuckets: 2, bidirectional: true })).toThrow(/numBuckets/);
    expect(() => new RelativePositionBias({ heads: 2, numBuckets: 32, maxDistance: 8, bidirectional: true })).toThrow(
      /maxDistance/,
    );
  });
});
