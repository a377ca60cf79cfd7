// Parity with Hugging Face on the generated fixtures of ELECTRA (discriminator and generator, E 16 != H 32
// through embeddings_project) and RoBERTa in HF's layout (position ids from the padding, offset
// pad_token_id + 1; one token type; LN eps 1e-5): every tensor of expected.safetensors — hidden states,
// attention probabilities and (RoBERTa) the position ids included — within 1e-4 at every position, built
// in code with the heads named, and through loadModelDir (heads detected from the tensor names).
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { rawToFloat32, readSafetensors, type RawTensor } from '@bert4tfjs/core';
import {
  buildTransformerModel,
  inspectionOf,
  loadModelDir,
  runInspection,
  runModel,
  type TransformerModel,
} from '../src/index.ts';
import { fixturePath } from '../../../test/helpers/paths.ts';
import { maxAbsDiff } from '../../../test/helpers/compare.ts';

const ATOL = 1e-4;

function values(t: RawTensor): ArrayLike<number> {
  if (t.dtype === 'I32') return new Int32Array(t.data.buffer, t.data.byteOffset, t.data.byteLength / 4);
  if (t.dtype === 'I64')
    return Array.from(
      new BigInt64Array(t.data.buffer.slice(t.data.byteOffset, t.data.byteOffset + t.data.byteLength)),
      Number,
    );
  return rawToFloat32(t);
}

/** Max |diff| per expected tensor of `family`'s fixture, from the inspection model's outputs. */
function diffs(built: TransformerModel, family: string): Record<string, number> {
  const inputs = JSON.parse(readFileSync(fixturePath(family, 'inputs.json'), 'utf8'));
  const expected = readSafetensors(fixturePath(family, 'expected.safetensors'));
  const before = tf.memory().numTensors;
  const out = runInspection(built, inputs);
  const result: Record<string, number> = {};
  for (const [name, want] of expected) {
    expect(out[name], `output ${name}`).toBeDefined();
    expect(out[name].shape, name).toEqual(want.shape);
    result[name] = maxAbsDiff(out[name].dataSync(), values(want));
  }
  tf.dispose(Object.values(out));
  expect(tf.memory().numTensors).toBe(before);
  return result;
}

const CASES = [
  { family: 'electra', head: { withDiscriminator: true }, logits: 'discriminator_logits' },
  { family: 'electra_generator', head: { withGenerator: true }, logits: 'generator_logits' },
  { family: 'roberta', head: { withMlm: true }, logits: 'mlm_logits' },
] as const;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

for (const { family, head, logits } of CASES) {
  describe(`${family} parity with Hugging Face (fixtures/${family})`, () => {
    let built: TransformerModel;
    beforeAll(() => {
      built = buildTransformerModel({
        configPath: fixturePath(family, 'config.json'),
        checkpointPath: fixturePath(family, 'model.safetensors'),
        ...head,
      });
    });

    it('has the head named as in the fixture, and an inspection model with every expected name', () => {
      expect(built.outputNames).toEqual(['last_hidden_state', logits]);
      const expected = readSafetensors(fixturePath(family, 'expected.safetensors'));
      const ins = inspectionOf(built);
      expect([...ins.outputNames, ...Object.keys(ins.aliases)].sort()).toEqual([...expected.keys()].sort());
    });

    it(`every expected tensor matches within ${ATOL} (hidden states and attentions included)`, () => {
      const d = diffs(built, family);
      console.log(`${family} max |diff| vs HF:`, d);
      for (const [name, v] of Object.entries(d)) expect(v, name).toBeLessThan(ATOL);
      // A broken model cannot pass by accident: the logits have real spread.
      expect(Object.keys(d)).toContain(logits);
    });

    it('the training model and the inspection model give the same main outputs', () => {
      const inputs = JSON.parse(readFileSync(fixturePath(family, 'inputs.json'), 'utf8'));
      const feeds = { input_ids: inputs.input_ids, attention_mask: inputs.attention_mask };
      const a = runModel(built, feeds);
      const b = runInspection(built, feeds);
      expect(maxAbsDiff(a[logits].dataSync(), b[logits].dataSync())).toBe(0);
      tf.dispose([...Object.values(a), ...Object.values(b)]);
    });

    it('loadModelDir detects the head from the tensor names and matches too', () => {
      const dir = loadModelDir(fixturePath(family));
      expect(dir.family).toBe(family === 'roberta' ? 'roberta' : 'electra');
      expect(dir.outputNames).toEqual(['last_hidden_state', logits]);
      for (const [name, v] of Object.entries(diffs(dir, family))) expect(v, name).toBeLessThan(ATOL);
      dir.model.dispose();
    });
  });
}

describe('RoBERTa position ids and option checks', () => {
  it('position ids count real tokens from pad + 1 and give padding the pad id', () => {
    const built = buildTransformerModel({ configPath: fixturePath('roberta', 'config.json') });
    const out = runInspection(built, {
      input_ids: [
        [5, 9, 1, 1],
        [5, 9, 9, 6],
      ],
      attention_mask: [
        [1, 1, 0, 0],
        [1, 1, 1, 1],
      ],
    });
    expect(out.position_ids.arraySync()).toEqual([
      [2, 3, 1, 1],
      [2, 3, 4, 5],
    ]);
    tf.dispose(Object.values(out));
    built.model.dispose();
  });

  it('a sequence longer than max_position_embeddings - pad - 1 is an error that says how long may be', () => {
    const built = buildTransformerModel({ configPath: fixturePath('roberta', 'config.json') });
    const ids = [Array.from({ length: 39 }, () => 7)];
    expect(() => runModel(built, { input_ids: ids })).toThrow(
      /max_position_embeddings is 40.*truncate inputs to 38 tokens/,
    );
    built.model.dispose();
  });

  it('options the families have no weights for are refused by name', () => {
    expect(() => buildTransformerModel({ configPath: fixturePath('roberta', 'config.json'), withNsp: true })).toThrow(
      /option 'withNsp' is not supported by the roberta family|roberta: option withNsp/,
    );
    expect(() => buildTransformerModel({ configPath: fixturePath('electra', 'config.json'), withPool: true })).toThrow(
      /option 'withPool' is not supported by the electra family|electra: option withPool/,
    );
  });
});
