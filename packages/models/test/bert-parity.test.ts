// Parity with Hugging Face BertForPreTraining on the generated fixture (fixtures/bert): every output
// within 1e-4 absolute at every position (the fixture's fp32-vs-fp64 gap is ~1e-6).
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { rawToFloat32, readSafetensors } from '@bert4tfjs/core';
import { buildTransformerModel, runModel, type TransformerModel } from '../src/index.ts';
import { fixturePath } from '../../../test/helpers/paths.ts';
import { maxAbsDiff } from '../../../test/helpers/compare.ts';

const ATOL = 1e-4;

describe('BERT parity with Hugging Face (fixtures/bert)', () => {
  let built: TransformerModel;
  const inputs = JSON.parse(readFileSync(fixturePath('bert', 'inputs.json'), 'utf8'));
  const expected = readSafetensors(fixturePath('bert', 'expected.safetensors'));

  beforeAll(async () => {
    await tf.setBackend('cpu');
    built = buildTransformerModel({
      configPath: fixturePath('bert', 'config.json'),
      checkpointPath: fixturePath('bert', 'model.safetensors'),
      withPool: true,
      withMlm: true,
      withNsp: true,
    });
  });

  it('builds with the four outputs named as in the fixture', () => {
    expect([...built.outputNames].sort()).toEqual(['last_hidden_state', 'mlm_logits', 'nsp_logits', 'pooler_output']);
  });

  for (const name of ['last_hidden_state', 'pooler_output', 'mlm_logits', 'nsp_logits']) {
    it(`${name} matches within ${ATOL}`, () => {
      const before = tf.memory().numTensors;
      const out = runModel(built, {
        input_ids: inputs.input_ids,
        attention_mask: inputs.attention_mask,
        token_type_ids: inputs.token_type_ids,
      });
      const want = expected.get(name)!;
      expect(out[name].shape).toEqual(want.shape);
      const diff = maxAbsDiff(out[name].dataSync(), rawToFloat32(want));
      expect(diff).toBeLessThan(ATOL);
      Object.values(out).forEach((t) => t.dispose());
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});
