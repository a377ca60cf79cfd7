// Parity with Hugging Face NezhaForPreTraining on the generated fixture (fixtures/nezha; max_relative_position
// 8 < length 18, so clipping is exercised): every tensor of expected.safetensors — last_hidden_state,
// pooler_output, mlm_logits, nsp_logits, hidden_states.*, attentions.*, relative_positions_encoding —
// within 1e-4 absolute at every position; the worst error is printed for the README table. Also: the
// per-layer positions_encoding buffer stored by HF equals the encoding the kernel computes.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nezhaRelativeEncoding, rawToFloat32, readSafetensors } from '@bert4tfjs/core';
import { buildTransformerModel, getFamily, type TransformerModel } from '../src/index.ts';
import { fixturePath } from '../../../test/helpers/paths.ts';
import { maxAbsDiff } from '../../../test/helpers/compare.ts';

const ATOL = 1e-4;

describe('NEZHA parity with Hugging Face (fixtures/nezha)', () => {
  let built: TransformerModel;
  let out: Record<string, tf.Tensor>;
  const inputs = JSON.parse(readFileSync(fixturePath('nezha', 'inputs.json'), 'utf8'));
  const expected = readSafetensors(fixturePath('nezha', 'expected.safetensors'));
  const worst = { name: '', diff: 0 };

  beforeAll(async () => {
    await tf.setBackend('cpu');
    built = buildTransformerModel({
      configPath: fixturePath('nezha', 'config.json'),
      checkpointPath: fixturePath('nezha', 'model.safetensors'),
      withPool: true,
      withMlm: true,
      withNsp: true,
    });
    const before = tf.memory().numTensors;
    out = getFamily('nezha').forward!(built, inputs);
    expect(tf.memory().numTensors - before).toBe(Object.keys(out).length);
  });

  afterAll(() => {
    console.log(`nezha parity: worst |ours − HF| = ${worst.diff.toExponential(2)} (${worst.name})`);
    tf.dispose(Object.values(out));
    built.model.dispose();
  });

  it('writes exactly the tensors the fixture records', () => {
    expect(Object.keys(out).sort()).toEqual([...expected.keys()].sort());
  });

  for (const name of [
    'last_hidden_state',
    'pooler_output',
    'mlm_logits',
    'nsp_logits',
    'hidden_states.0',
    'hidden_states.1',
    'hidden_states.2',
    'attentions.0',
    'attentions.1',
    'relative_positions_encoding',
  ]) {
    it(`${name} matches within ${ATOL}`, () => {
      const want = expected.get(name)!;
      expect(out[name].shape).toEqual(want.shape);
      const diff = maxAbsDiff(out[name].dataSync(), rawToFloat32(want));
      if (diff > worst.diff) Object.assign(worst, { name, diff });
      expect(diff).toBeLessThan(ATOL);
    });
  }

  it("HF's stored positions_encoding buffer [max_pos, max_pos, d] is the kernel's encoding", () => {
    const stored = readSafetensors(fixturePath('nezha', 'model.safetensors')).get(
      'nezha.encoder.layer.0.attention.self.relative_positions_encoding.positions_encoding',
    )!;
    expect(stored.shape).toEqual([24, 24, 8]);
    expect(maxAbsDiff(nezhaRelativeEncoding(24, 24, 8, 8), rawToFloat32(stored))).toBeLessThan(1e-6);
  });
});
