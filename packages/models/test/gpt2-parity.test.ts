// Parity with Hugging Face GPT2LMHeadModel on the generated fixture (fixtures/gpt2): every tensor of
// expected.safetensors within 1e-4 — the LayersModel's last_hidden_state / lm_logits, and the eager
// forward's hidden states, attentions, key/value cache, the incremental call on the cache and the uncached
// call on the whole sequence (the fixture's fp32-vs-fp64 gap is ~1e-6).
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { rawToFloat32, readSafetensors } from '@bert4tfjs/core';
import { gpt2ForwardOutputs, loadModelDir, runModel, type TransformerModel } from '../src/index.ts';
import { fixturePath } from '../../../test/helpers/paths.ts';
import { maxAbsDiff } from '../../../test/helpers/compare.ts';

const ATOL = 1e-4;

describe('GPT-2 parity with Hugging Face (fixtures/gpt2)', () => {
  let built: TransformerModel;
  const inputs = JSON.parse(readFileSync(fixturePath('gpt2', 'inputs.json'), 'utf8'));
  const expected = readSafetensors(fixturePath('gpt2', 'expected.safetensors'));

  beforeAll(async () => {
    await tf.setBackend('cpu');
    built = loadModelDir(fixturePath('gpt2'));
  });

  it('loads every stored tensor (lm_head tied to wte) and names its outputs as Hugging Face does', () => {
    expect(built.family).toBe('gpt2');
    expect(built.outputNames).toEqual(['last_hidden_state', 'lm_logits']);
    expect(built.weightMap.map((m) => m.source).sort()).toEqual(
      [...readSafetensors(fixturePath('gpt2', 'model.safetensors')).keys()].sort(),
    );
  });

  for (const name of ['last_hidden_state', 'lm_logits']) {
    it(`the LayersModel's ${name} matches within ${ATOL}`, () => {
      const before = tf.memory().numTensors;
      const out = runModel(built, { input_ids: inputs.input_ids });
      const want = expected.get(name)!;
      expect(out[name].shape).toEqual(want.shape);
      expect(maxAbsDiff(out[name].dataSync(), rawToFloat32(want))).toBeLessThan(ATOL);
      tf.dispose(Object.values(out));
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it(`every expected tensor (hidden states, attentions, cache, incremental, full) matches within ${ATOL}`, () => {
    const before = tf.memory().numTensors;
    const out = gpt2ForwardOutputs(built, inputs);
    expect(Object.keys(out).sort()).toEqual([...expected.keys()].sort());
    const errors: Record<string, number> = {};
    for (const [name, want] of expected) {
      expect(out[name].shape, name).toEqual(want.shape);
      errors[name] = maxAbsDiff(out[name].dataSync(), rawToFloat32(want));
    }
    const worst = Math.max(...Object.values(errors));
    console.log(`gpt2 parity: worst max |diff| ${worst.toExponential(2)} over ${expected.size} tensors`, errors);
    for (const [name, e] of Object.entries(errors)) expect(e, name).toBeLessThan(ATOL);
    tf.dispose(Object.values(out));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the cached incremental call equals the uncached forward on the whole sequence (ours, not only HF)', () => {
    const out = gpt2ForwardOutputs(built, inputs);
    const l = inputs.input_ids[0].length;
    const tail = tf.slice(out['full.lm_logits'], [0, l, 0], [-1, -1, -1]);
    expect(maxAbsDiff(tail.dataSync(), out['incremental.lm_logits'].dataSync())).toBeLessThan(ATOL);
    tf.dispose([tail, ...Object.values(out)]);
  });

  it('a padded key is ignored: a batch padded with attention_mask gives the unpadded row values', () => {
    const row = inputs.input_ids[0] as number[];
    const short = runModel(built, { input_ids: [row.slice(0, 6)] });
    const padded = runModel(built, {
      input_ids: [[...row.slice(0, 6), 0, 0]],
      attention_mask: [[1, 1, 1, 1, 1, 1, 0, 0]],
    });
    const head = tf.slice(padded.lm_logits, [0, 0, 0], [1, 6, -1]);
    expect(maxAbsDiff(head.dataSync(), short.lm_logits.dataSync())).toBeLessThan(1e-5);
    tf.dispose([head, ...Object.values(short), ...Object.values(padded)]);
  });
});
