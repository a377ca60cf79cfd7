// Parity with Hugging Face AlbertForPreTraining on the generated fixture (fixtures/albert: E 16 != H 32,
// 2 layers sharing one group): every output within 1e-4 at every position, built directly, as
// albert_unshared, and through loadModelDir + runModel.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { rawToFloat32, readSafetensors } from '@bert4tfjs/core';
import { buildTransformerModel, loadModelDir, runModel, type TransformerModel } from '../src/index.ts';
import { fixturePath } from '../../../test/helpers/paths.ts';
import { maxAbsDiff } from '../../../test/helpers/compare.ts';

const ATOL = 1e-4;
const OUTPUTS = ['last_hidden_state', 'pooler_output', 'mlm_logits', 'sop_logits'];

const inputs = JSON.parse(readFileSync(fixturePath('albert', 'inputs.json'), 'utf8'));
const feed = {
  input_ids: inputs.input_ids,
  attention_mask: inputs.attention_mask,
  token_type_ids: inputs.token_type_ids,
};
const expected = readSafetensors(fixturePath('albert', 'expected.safetensors'));

/** Runs `built` on the fixture inputs and returns each output's max |diff| against Hugging Face. */
function diffs(built: TransformerModel): Record<string, number> {
  const before = tf.memory().numTensors;
  const out = runModel(built, feed);
  const result: Record<string, number> = {};
  for (const name of OUTPUTS) {
    const want = expected.get(name)!;
    expect(out[name].shape, name).toEqual(want.shape);
    result[name] = maxAbsDiff(out[name].dataSync(), rawToFloat32(want));
  }
  Object.values(out).forEach((t) => t.dispose());
  expect(tf.memory().numTensors).toBe(before);
  return result;
}

describe('ALBERT parity with Hugging Face (fixtures/albert)', () => {
  let shared: TransformerModel;
  let unshared: TransformerModel;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    const common = {
      configPath: fixturePath('albert', 'config.json'),
      checkpointPath: fixturePath('albert', 'model.safetensors'),
      withPool: true,
      withMlm: true,
      withSop: true,
    };
    shared = buildTransformerModel({ ...common });
    unshared = buildTransformerModel({ ...common, model: 'albert_unshared' });
  });

  it('builds with the four outputs named as in the fixture', () => {
    expect([...shared.outputNames].sort()).toEqual([...OUTPUTS].sort());
    expect(shared.family).toBe('albert');
    expect(unshared.family).toBe('albert_unshared');
  });

  it(`albert: every output matches within ${ATOL}`, () => {
    const d = diffs(shared);
    console.log('albert max |diff| vs HF:', d);
    for (const name of OUTPUTS) expect(d[name], name).toBeLessThan(ATOL);
  });

  it(`albert_unshared: every output matches within ${ATOL}`, () => {
    const d = diffs(unshared);
    for (const name of OUTPUTS) expect(d[name], name).toBeLessThan(ATOL);
  });

  it('albert_unshared gives the same outputs as albert', () => {
    const a = runModel(shared, feed);
    const b = runModel(unshared, feed);
    for (const name of OUTPUTS) expect(maxAbsDiff(a[name].dataSync(), b[name].dataSync()), name).toBeLessThan(1e-6);
    [...Object.values(a), ...Object.values(b)].forEach((t) => t.dispose());
  });

  it('loadModelDir(fixtures/albert) detects every head and matches within 1e-4', () => {
    const built = loadModelDir(fixturePath('albert'));
    expect([...built.outputNames].sort()).toEqual([...OUTPUTS].sort());
    const d = diffs(built);
    for (const name of OUTPUTS) expect(d[name], name).toBeLessThan(ATOL);
    built.model.dispose();
  });

  it('loadModelDir with model albert_unshared matches too', () => {
    const built = loadModelDir(fixturePath('albert'), { model: 'albert_unshared' });
    expect(built.model.getLayer('Transformer-1-FeedForward')).toBeDefined();
    const d = diffs(built);
    for (const name of OUTPUTS) expect(d[name], name).toBeLessThan(ATOL);
    built.model.dispose();
  });
});
