// Parity with Hugging Face RoFormerForMaskedLM on the generated fixture (fixtures/roformer): every tensor
// of expected.safetensors — last_hidden_state, mlm_logits, hidden_states.*, attentions.* and the rotary
// table sinusoidal_pos — within 1e-4 absolute at every position; the worst error is printed for the
// README table. Also: the stored embed_positions table equals the one the kernel computes.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawToFloat32, readSafetensors, rotarySinusoidTable } from '@bert4tfjs/core';
import { buildTransformerModel, getFamily, type TransformerModel } from '../src/index.ts';
import { fixturePath } from '../../../test/helpers/paths.ts';
import { maxAbsDiff } from '../../../test/helpers/compare.ts';

const ATOL = 1e-4;

describe('RoFormer parity with Hugging Face (fixtures/roformer)', () => {
  let built: TransformerModel;
  let out: Record<string, tf.Tensor>;
  const inputs = JSON.parse(readFileSync(fixturePath('roformer', 'inputs.json'), 'utf8'));
  const expected = readSafetensors(fixturePath('roformer', 'expected.safetensors'));
  const worst = { name: '', diff: 0 };

  beforeAll(async () => {
    await tf.setBackend('cpu');
    built = buildTransformerModel({
      configPath: fixturePath('roformer', 'config.json'),
      checkpointPath: fixturePath('roformer', 'model.safetensors'),
      withMlm: true,
    });
    const before = tf.memory().numTensors;
    out = getFamily('roformer').forward!(built, inputs);
    // Everything the forward made is in `out`: nothing else was left behind.
    expect(tf.memory().numTensors - before).toBe(Object.keys(out).length);
  });

  afterAll(() => {
    console.log(`roformer parity: worst |ours − HF| = ${worst.diff.toExponential(2)} (${worst.name})`);
    tf.dispose(Object.values(out));
    built.model.dispose();
  });

  it('writes exactly the tensors the fixture records', () => {
    expect(Object.keys(out).sort()).toEqual([...expected.keys()].sort());
  });

  for (const name of [
    'last_hidden_state',
    'mlm_logits',
    'hidden_states.0',
    'hidden_states.1',
    'hidden_states.2',
    'attentions.0',
    'attentions.1',
    'sinusoidal_pos',
  ]) {
    it(`${name} matches within ${ATOL}`, () => {
      const want = expected.get(name)!;
      expect(out[name].shape).toEqual(want.shape);
      const diff = maxAbsDiff(out[name].dataSync(), rawToFloat32(want));
      if (diff > worst.diff) Object.assign(worst, { name, diff });
      expect(diff).toBeLessThan(ATOL);
    });
  }

  it('the stored embed_positions table is the table the rotary kernel uses', () => {
    const stored = readSafetensors(fixturePath('roformer', 'model.safetensors')).get(
      'roformer.encoder.embed_positions.weight',
    )!;
    expect(stored.shape).toEqual([64, 8]);
    expect(maxAbsDiff(rotarySinusoidTable(64, 8), rawToFloat32(stored))).toBeLessThan(1e-6);
  });
});
