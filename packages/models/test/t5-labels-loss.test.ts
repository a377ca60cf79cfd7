// `labels` through the T5 family's forward, as HF's T5ForConditionalGeneration takes them: `loss` is the
// mean token cross-entropy over every label that is not -100 (padding labels count, as in HF). The
// expected loss is worked here in float64 from the fixture's HF lm_logits, not from our own outputs.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { rawToFloat32, readSafetensors } from '@bert4tfjs/core';
import { buildTransformerModel, getFamily, type TransformerModel } from '../src/index.ts';
import { fixturePath } from '../../../test/helpers/paths.ts';

const inputs = JSON.parse(readFileSync(fixturePath('t5', 'inputs.json'), 'utf8'));
const expected = readSafetensors(fixturePath('t5', 'expected.safetensors'));

/** Mean -log softmax(logits)[label] in float64 over labels other than -100, from HF's logits. */
function handLoss(labels: number[][]): number {
  const raw = expected.get('lm_logits')!;
  const logits = rawToFloat32(raw);
  const [, len, vocab] = raw.shape;
  let sum = 0;
  let count = 0;
  labels.forEach((row, b) =>
    row.forEach((label, t) => {
      if (label === -100) return;
      const base = (b * len + t) * vocab;
      let max = -Infinity;
      for (let v = 0; v < vocab; v++) max = Math.max(max, logits[base + v]);
      let z = 0;
      for (let v = 0; v < vocab; v++) z += Math.exp(logits[base + v] - max);
      sum += -(logits[base + label] - max - Math.log(z));
      count++;
    }),
  );
  return sum / count;
}

describe('T5 forward with labels gives the Hugging Face loss', () => {
  let built: TransformerModel;
  const forward = (x: Record<string, unknown>) => getFamily('t5').forward!(built, x);

  beforeAll(async () => {
    await tf.setBackend('cpu');
    built = buildTransformerModel({
      configPath: fixturePath('t5', 'config.json'),
      checkpointPath: fixturePath('t5', 'model.safetensors'),
    });
  });

  it('equals the cross-entropy worked from HF lm_logits, with the given decoder inputs', () => {
    const out = forward(inputs);
    try {
      expect(Object.keys(out)).toContain('lm_logits');
      expect(out.loss.shape).toEqual([]);
      expect(Math.abs(out.loss.dataSync()[0] - handLoss(inputs.labels))).toBeLessThan(1e-4);
    } finally {
      tf.dispose(Object.values(out));
    }
  });

  it('derives decoder_input_ids from labels (shift right behind decoder_start_token_id) when absent', () => {
    const { decoder_input_ids: _, decoder_attention_mask: __, ...rest } = inputs;
    // The fixture's decoder_input_ids are exactly [start=0] + labels[:-1]; the unmasked decoder differs
    // from the masked one only at padded positions, whose labels are set to -100 here.
    const labels = (inputs.labels as number[][]).map((r, b) =>
      r.map((x, t) => (inputs.decoder_attention_mask[b][t] === 0 ? -100 : x)),
    );
    const withMask = forward({ ...inputs, labels });
    const derived = forward({ ...rest, labels });
    try {
      expect(Math.abs(derived.loss.dataSync()[0] - handLoss(labels))).toBeLessThan(1e-4);
      expect(Math.abs(derived.loss.dataSync()[0] - withMask.loss.dataSync()[0])).toBeLessThan(1e-5);
    } finally {
      tf.dispose([...Object.values(withMask), ...Object.values(derived)]);
    }
  });

  it('skips -100 labels: masking a row out leaves the loss of the other row', () => {
    const labels = [inputs.labels[0], (inputs.labels[1] as number[]).map(() => -100)];
    const out = forward({ ...inputs, labels });
    try {
      expect(Math.abs(out.loss.dataSync()[0] - handLoss(labels))).toBeLessThan(1e-4);
      expect(Math.abs(handLoss(labels) - handLoss(inputs.labels))).toBeGreaterThan(1e-3);
    } finally {
      tf.dispose(Object.values(out));
    }
  });

  it('names bad labels and leaks nothing on the way', () => {
    const before = tf.memory().numTensors;
    expect(() => forward({ ...inputs, labels: [[1, 2]] })).toThrow(/'labels' has 1 rows, input_ids has 2/);
    expect(() =>
      forward({
        ...inputs,
        labels: [
          [1, 2, 3, 4, 5, 6, 7, 8, 9],
          [99999, 1, 1, 1, 1, 1, 1, 1, 1],
        ],
      }),
    ).toThrow(/labels\[1\]\[0\] = 99999 is neither -100 nor a token id/);
    expect(() =>
      forward({
        ...inputs,
        labels: [
          [1, 2, 3],
          [4, 5, 6],
        ],
      }),
    ).toThrow(/'labels' \[2, 3\] must have the shape of 'decoder_input_ids'/);
    expect(() => forward({ ...inputs, labels: [[-100], [-100]] })).toThrow(/only -100/);
    const out = forward(inputs);
    tf.dispose(Object.values(out));
    expect(tf.memory().numTensors).toBe(before);
  });
});
