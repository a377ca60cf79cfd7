// Exact round trips through the other formats: HF safetensors -> TF checkpoint (export, names run
// backwards) -> convert -> the same bytes, for every family with a fixture; and pytorch_model.bin
// (written with writeTorchBin) -> convert -> identical safetensors.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listVariables, readSafetensors, writeTorchBin, type RawTensor } from '@bert4tfjs/core';
import { loadModelDir } from '../src/model-dir.ts';
import { convertCheckpoint, saveCheckpoint } from '../src/convert/index.ts';
import { fixturePath } from '../../../test/helpers/paths.ts';

const BUFFERS = /(position_ids|inv_freq)$/;

function expectSameTensors(a: Map<string, RawTensor>, b: Map<string, RawTensor>): void {
  expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
  for (const [name, t] of a) {
    const u = b.get(name)!;
    expect(u.dtype, name).toBe(t.dtype);
    expect(u.shape, name).toEqual(t.shape);
    expect(Buffer.compare(Buffer.from(u.data), Buffer.from(t.data)), name).toBe(0);
  }
}

let work: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  work = mkdtempSync(join(tmpdir(), 'b4t-roundtrip-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('HF safetensors -> TF checkpoint -> convert back: identical tensors', () => {
  const cases = [
    ['bert', 'bert', 'bert/encoder/layer_1/attention/self/query/kernel'],
    ['albert', 'albert', 'bert/encoder/transformer/group_0/inner_group_0/LayerNorm_1/gamma'],
    ['t5', 't5', 'decoder/block_001/layer_002/DenseReluDense/wi/kernel'],
    ['mt5', 'mt5', 'decoder/rms_norm/scale'],
    ['transfo_xl', 'transfo-xl', 'transformer/r_w_bias'],
  ] as const;
  for (const [family, model, probe] of cases) {
    it(`${family}`, async () => {
      const tfDir = join(work, `${family}-tf`);
      const back = join(work, `${family}-back`);
      const exported = await saveCheckpoint(fixturePath(family), { to: 'tf-checkpoint', out: tfDir });
      const original = readSafetensors(fixturePath(family, 'model.safetensors'));
      // Only HF's non-weight buffers have no TF counterpart.
      expect(exported.skipped).toEqual([...original.keys()].filter((n) => BUFFERS.test(n)));
      const vars = listVariables(tfDir);
      expect(vars.map((v) => v.name)).toContain(probe);
      const report = await convertCheckpoint({ from: tfDir, out: back, model });
      expect(report.unmapped).toEqual([]);
      expect(report.synthesized).toEqual([]);
      const weights = new Map([...original].filter(([n]) => !BUFFERS.test(n)));
      expectSameTensors(weights, readSafetensors(join(back, 'model.safetensors')));
      // The config survives the trip through the original-release config file.
      const a = JSON.parse(readFileSync(fixturePath(family, 'config.json'), 'utf8'));
      const b = JSON.parse(readFileSync(join(back, 'config.json'), 'utf8'));
      for (const k of [
        'vocab_size',
        'num_hidden_layers',
        'hidden_size',
        'num_layers',
        'num_heads',
        'd_ff',
        'n_layer',
        'cutoffs',
        'feed_forward_proj',
      ])
        expect(b[k], k).toEqual(a[k]);
    });
  }

  it('BERT export is what google-research/bert reads: [in, out] kernels, [2, H] seq_relationship', async () => {
    const vars = new Map(listVariables(join(work, 'bert-tf')).map((v) => [v.name, v.shape]));
    expect(vars.get('bert/encoder/layer_0/intermediate/dense/kernel')).toEqual([32, 64]);
    expect(vars.get('cls/seq_relationship/output_weights')).toEqual([2, 32]);
    expect(vars.get('cls/predictions/output_bias')).toEqual([380]);
    expect(JSON.parse(readFileSync(join(work, 'bert-tf', 'bert_config.json'), 'utf8')).model_type).toBeUndefined();
    expect(readFileSync(join(work, 'bert-tf', 'checkpoint'), 'utf8')).toContain(
      'model_checkpoint_path: "bert_model.ckpt"',
    );
  });
});

describe('pytorch_model.bin -> convert: identical safetensors', () => {
  it('bert fixture through writeTorchBin', async () => {
    const src = join(work, 'bert-bin');
    mkdirSync(src);
    const original = readSafetensors(fixturePath('bert', 'model.safetensors'));
    writeTorchBin(join(src, 'pytorch_model.bin'), original);
    copyFileSync(fixturePath('bert', 'config.json'), join(src, 'config.json'));
    const out = join(work, 'bert-from-bin');
    const report = await convertCheckpoint({ from: join(src, 'pytorch_model.bin'), out });
    expect(report.format).toBe('pytorch');
    expect(report.unused).toEqual(['bert.embeddings.position_ids']);
    expectSameTensors(original, readSafetensors(join(out, 'model.safetensors')));
    expect(loadModelDir(out).outputNames).toContain('mlm_logits');
  });

  it('a directory holding model.safetensors converts as is (dtype change on request)', async () => {
    const out = join(work, 'albert-f16');
    const report = await convertCheckpoint({ from: fixturePath('albert'), out, dtype: 'float16' });
    expect(report.format).toBe('safetensors');
    const t = readSafetensors(join(out, 'model.safetensors'));
    expect(t.get('albert.embeddings.word_embeddings.weight')!.dtype).toBe('F16');
    // Integer buffers keep their dtype.
    expect(t.get('albert.embeddings.position_ids')!.dtype).toBe('I64');
  });
});

describe('saveCheckpoint from a built model', () => {
  it('safetensors export of a loaded model equals the file it was loaded from', async () => {
    const built = loadModelDir(fixturePath('bert'));
    const file = join(work, 'bert-built.safetensors');
    await saveCheckpoint(built, { to: 'safetensors', out: file });
    const original = readSafetensors(fixturePath('bert', 'model.safetensors'));
    const weights = new Map([...original].filter(([n]) => !BUFFERS.test(n)));
    expectSameTensors(weights, readSafetensors(file));
  });
});
