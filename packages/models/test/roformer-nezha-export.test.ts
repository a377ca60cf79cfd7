// Export and convert round trips for RoFormer and NEZHA: a loaded fixture exported as safetensors gives
// back Hugging Face's own file (same names — RoFormer's fixed embed_positions table included — and
// identical bytes; NEZHA leaves out only HF's deterministic positions_encoding buffers) and the exported
// directory runs to the same outputs; a RoFormer-V2 built in code survives save/load; a TF checkpoint in
// bert4keras names (export --to tf-checkpoint) converts back to identical tensors.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listVariables, readSafetensors, type RawTensor } from '@bert4tfjs/core';
import {
  buildTransformerModel,
  convertCheckpoint,
  loadModelDir,
  runModel,
  saveCheckpoint,
  saveModelDir,
} from '../src/index.ts';
import { fixturePath } from '../../../test/helpers/paths.ts';
import { maxAbsDiff } from '../../../test/helpers/compare.ts';

const NEZHA_BUFFER = /relative_positions_encoding\.positions_encoding$/;

function expectSameTensors(want: Map<string, RawTensor>, got: Map<string, RawTensor>): void {
  expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
  for (const [name, t] of want) {
    const u = got.get(name)!;
    expect(u.shape, name).toEqual(t.shape);
    expect(Buffer.compare(Buffer.from(u.data), Buffer.from(t.data)), name).toBe(0);
  }
}

let work: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  work = mkdtempSync(join(tmpdir(), 'b4t-posfam-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const inputs = (family: string) => {
  const j = JSON.parse(readFileSync(fixturePath(family, 'inputs.json'), 'utf8'));
  return { input_ids: j.input_ids, attention_mask: j.attention_mask, token_type_ids: j.token_type_ids };
};

for (const family of ['roformer', 'nezha']) {
  describe(`${family}: export --to safetensors from a built model`, () => {
    it("writes Hugging Face's file back: same names, identical bytes", async () => {
      const built = loadModelDir(fixturePath(family));
      const out = join(work, `${family}-st`);
      await saveCheckpoint(built, { to: 'safetensors', out });
      const original = readSafetensors(fixturePath(family, 'model.safetensors'));
      const want = new Map([...original].filter(([n]) => !NEZHA_BUFFER.test(n)));
      if (family === 'roformer') expect(want.has('roformer.encoder.embed_positions.weight')).toBe(true);
      expectSameTensors(want, readSafetensors(join(out, 'model.safetensors')));
      const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
      expect(config.model_type).toBe(family);
      // The exported directory runs to the same outputs.
      const again = loadModelDir(out);
      const a = runModel(built, inputs(family));
      const b = runModel(again, inputs(family));
      expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
      for (const k of Object.keys(a)) expect(maxAbsDiff(a[k].dataSync(), b[k].dataSync()), k).toBe(0);
      tf.dispose([...Object.values(a), ...Object.values(b)]);
      built.model.dispose();
      again.model.dispose();
    });
  });

  describe(`${family}: TF checkpoint (bert4keras names) -> convert back`, () => {
    it('gives identical tensors and the same config', async () => {
      const tfDir = join(work, `${family}-tf`);
      const back = join(work, `${family}-back`);
      const exported = await saveCheckpoint(fixturePath(family), { to: 'tf-checkpoint', out: tfDir });
      const original = readSafetensors(fixturePath(family, 'model.safetensors'));
      const buffers = [...original.keys()].filter((n) => /embed_positions|positions_encoding/.test(n));
      expect(exported.skipped.sort()).toEqual(buffers.sort());
      const names = listVariables(tfDir).map((v) => v.name);
      expect(names).toContain('bert/encoder/layer_1/attention/self/query/kernel');
      expect(names).toContain('cls/predictions/output_bias');
      expect(names.filter((n) => n.includes('position_embeddings'))).toEqual([]);
      const report = await convertCheckpoint({ from: tfDir, out: back, model: family });
      expect(report.unmapped).toEqual([]);
      const weights = new Map([...original].filter(([n]) => !buffers.includes(n)));
      const converted = readSafetensors(join(back, 'model.safetensors'));
      // Convert writes the weights; a RoFormer directory loads with or without the fixed table.
      expectSameTensors(weights, new Map([...converted].filter(([n]) => !buffers.includes(n))));
      const a = JSON.parse(readFileSync(fixturePath(family, 'config.json'), 'utf8'));
      const b = JSON.parse(readFileSync(join(back, 'config.json'), 'utf8'));
      expect(b.model_type).toBe(family);
      for (const k of ['hidden_size', 'num_hidden_layers', 'vocab_size', 'max_relative_position', 'rotary_value'])
        expect(b[k], k).toEqual(a[k]);
    });
  });
}

describe('roformer-v2 built in code', () => {
  const CONFIG = {
    vocab_size: 40,
    hidden_size: 16,
    num_hidden_layers: 2,
    num_attention_heads: 2,
    intermediate_size: 24,
    embedding_size: 8,
    hidden_act: 'relu',
  };
  const ids = { input_ids: [[2, 9, 4, 3]] };

  it('saves and loads back as V2 (config keys say so) with identical outputs', async () => {
    const v2 = buildTransformerModel({ model: 'roformer-v2', config: CONFIG, withMlm: true });
    const dir = join(work, 'v2');
    await saveModelDir(v2, dir);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ model_type: 'roformer', use_bias: false, norm_type: 'rms_norm', embedding_size: 8 });
    const again = loadModelDir(dir, { withMlm: true });
    const a = runModel(v2, ids);
    const b = runModel(again, ids);
    expect(maxAbsDiff(a.last_hidden_state.dataSync(), b.last_hidden_state.dataSync())).toBe(0);
    expect(maxAbsDiff(a.mlm_logits.dataSync(), b.mlm_logits.dataSync())).toBe(0);
    tf.dispose([...Object.values(a), ...Object.values(b)]);
  });

  it('goes through a TF checkpoint (kernels only) and converts back with --model roformer-v2', async () => {
    const tfDir = join(work, 'v2-tf');
    const back = join(work, 'v2-back');
    await saveCheckpoint(join(work, 'v2'), { to: 'tf-checkpoint', out: tfDir });
    const names = listVariables(tfDir).map((v) => v.name);
    expect(names.filter((n) => /bias|gamma|beta/.test(n))).toEqual([]);
    expect(names).toContain('bert/encoder/embedding_hidden_mapping_in/kernel');
    await convertCheckpoint({ from: tfDir, out: back, model: 'roformer-v2' });
    const want = new Map(
      [...readSafetensors(join(work, 'v2', 'model.safetensors'))].filter(([n]) => !/embed_positions/.test(n)),
    );
    const got = new Map(
      [...readSafetensors(join(back, 'model.safetensors'))].filter(([n]) => !/embed_positions/.test(n)),
    );
    expectSameTensors(want, got);
  });
});
