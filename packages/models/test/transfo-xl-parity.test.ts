// Parity with Hugging Face TransfoXLLMHeadModel on the generated fixture (fixtures/transfo_xl): three
// consecutive segments of one stream, memories carried; hidden states, logits, log-probs and every
// layer's memory within 1e-4 absolute. Also the `bert4tfjs forward` hook on the fixture's inputs.json.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { rawToFloat32, readSafetensors } from '@bert4tfjs/core';
import { buildTransformerModel, getFamily, loadModelDir, saveModelDir, type TransformerModel } from '../src/index.ts';
import { transfoXlStepOf } from '../src/transfo-xl/step.ts';
import { fixturePath } from '../../../test/helpers/paths.ts';
import { maxAbsDiff } from '../../../test/helpers/compare.ts';

const ATOL = 1e-4;

describe('Transformer-XL parity with Hugging Face (fixtures/transfo_xl)', () => {
  let built: TransformerModel;
  const inputs = JSON.parse(readFileSync(fixturePath('transfo_xl', 'inputs.json'), 'utf8')) as {
    segments: number[][][];
  };
  const expected = readSafetensors(fixturePath('transfo_xl', 'expected.safetensors'));
  const want = (name: string) => {
    const t = expected.get(name);
    if (!t) throw new Error(`fixture has no ${name}`);
    return t;
  };

  beforeAll(async () => {
    await tf.setBackend('cpu');
    built = buildTransformerModel({
      configPath: fixturePath('transfo_xl', 'config.json'),
      checkpointPath: fixturePath('transfo_xl', 'model.safetensors'),
    });
  });

  it('is registered under both names and loads every stored tensor', () => {
    expect(getFamily('transfo-xl')).toBe(getFamily('transfo_xl'));
    expect(built.outputNames).toEqual(['last_hidden_state', 'logits', 'mems_out.0', 'mems_out.1']);
    expect(built.inputNames).toEqual(['input_ids', 'mems_0', 'mems_1']);
    // 29 stored tensors, minus the inv_freq buffer (recomputed) = 28 weights; the tied head needs no copy.
    expect(built.weightMap.length).toBe(28);
  });

  it('step over three segments matches hidden states, logits and memories (< 1e-4)', () => {
    const step = transfoXlStepOf(built);
    const before = tf.memory().numTensors;
    let mems: tf.Tensor[] | null = null;
    const diffs: Record<string, number> = {};
    inputs.segments.forEach((seg, k) => {
      const r = step(seg, mems);
      if (mems) tf.dispose(mems);
      mems = r.mems;
      const p = `seg${k + 1}`;
      expect(r.hidden.shape).toEqual(want(`${p}.last_hidden_state`).shape);
      diffs[`${p}.last_hidden_state`] = maxAbsDiff(r.hidden.dataSync(), rawToFloat32(want(`${p}.last_hidden_state`)));
      expect(r.logits!.shape).toEqual(want(`${p}.logits`).shape);
      diffs[`${p}.logits`] = maxAbsDiff(r.logits!.dataSync(), rawToFloat32(want(`${p}.logits`)));
      expect(r.mems.length).toBe(2);
      r.mems.forEach((m, i) => {
        // Ours [B, M, d]; Hugging Face [M, B, d].
        const hf = tf.transpose(m, [1, 0, 2]);
        expect(hf.shape).toEqual(want(`${p}.mems_out.${i}`).shape);
        diffs[`${p}.mems_out.${i}`] = maxAbsDiff(hf.dataSync(), rawToFloat32(want(`${p}.mems_out.${i}`)));
        hf.dispose();
      });
      tf.dispose([r.hidden, r.logits!]);
    });
    tf.dispose(mems!);
    expect(tf.memory().numTensors).toBe(before);
    console.log('transfo-xl max abs diffs', diffs);
    for (const [name, d] of Object.entries(diffs)) expect(d, name).toBeLessThan(ATOL);
    expect(Object.keys(diffs).length).toBe(3 * 4);
  });

  it('a fresh stream without memories differs from one with them (memory is used)', () => {
    const step = transfoXlStepOf(built);
    const first = step(inputs.segments[0]);
    const cold = step(inputs.segments[1]);
    const warm = step(inputs.segments[1], first.mems);
    // seg2 fed after seg1 is the fixture's seg2; fed cold it must not be.
    const ref = rawToFloat32(want('seg2.last_hidden_state'));
    expect(maxAbsDiff(warm.hidden.dataSync(), ref)).toBeLessThan(ATOL);
    expect(maxAbsDiff(cold.hidden.dataSync(), ref)).toBeGreaterThan(1e-2);
    tf.dispose([
      first.hidden,
      first.logits!,
      ...first.mems,
      cold.hidden,
      cold.logits!,
      ...cold.mems,
      warm.hidden,
      warm.logits!,
      ...warm.mems,
    ]);
  });

  it('the forward hook returns the fixture names and values (incl. log_probs)', () => {
    const before = tf.memory().numTensors;
    const out = getFamily('transfo-xl').forward!(built, inputs);
    const names = Object.keys(out).sort();
    const fixtureNames = [...expected.keys()]
      .filter((n) => /^seg\d\.(last_hidden_state|logits|log_probs|mems_out\.\d)$/.test(n))
      .sort();
    expect(names).toEqual(fixtureNames);
    let worst = 0;
    for (const n of names) {
      expect(out[n].shape, n).toEqual(want(n).shape);
      worst = Math.max(worst, maxAbsDiff(out[n].dataSync(), rawToFloat32(want(n))));
    }
    console.log('transfo-xl forward hook max abs diff', worst);
    expect(worst).toBeLessThan(ATOL);
    tf.dispose(Object.values(out));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('round-trips through saveModelDir / loadModelDir with the same outputs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'xl-'));
    try {
      await saveModelDir(built, join(dir, 'm'));
      const again = loadModelDir(join(dir, 'm'));
      expect(again.family).toBe('transfo-xl');
      const r = transfoXlStepOf(again)(inputs.segments[0]);
      const diff = maxAbsDiff(r.logits!.dataSync(), rawToFloat32(want('seg1.logits')));
      expect(diff).toBeLessThan(ATOL);
      tf.dispose([r.hidden, r.logits!, ...r.mems]);
      again.model.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('withLmHead: false builds the bare transformer; the head tensors are reported as unexpected', () => {
    const bare = buildTransformerModel({ configPath: fixturePath('transfo_xl', 'config.json'), withLmHead: false });
    expect(bare.outputNames).toEqual(['last_hidden_state', 'mems_out.0', 'mems_out.1']);
    const report = bare.loadWeights(fixturePath('transfo_xl', 'model.safetensors'));
    expect(report.unexpected).toEqual(['crit.out_layers.0.bias']);
    const r = transfoXlStepOf(bare)(inputs.segments[0]);
    expect(r.logits).toBeNull();
    expect(maxAbsDiff(r.hidden.dataSync(), rawToFloat32(want('seg1.last_hidden_state')))).toBeLessThan(ATOL);
    tf.dispose([r.hidden, ...r.mems]);
    bare.model.dispose();
  });
});
