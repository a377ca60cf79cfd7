// Converting the real google-research/bert checkpoint in ../shared (keras-bert-tiny, with its Adam slots):
// every output tensor equals its TF source (transposed exactly where the table says), slots are reported,
// and the directory loads with buildTransformerModel. Also the real Transformer-XL checkpoints.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawToFloat32, readSafetensors, readSafetensorsHeader, readTfCheckpoint } from '@bert4tfjs/core';
import { buildTransformerModel } from '../src/build.ts';
import { loadModelDir } from '../src/model-dir.ts';
import { runModel } from '../src/run.ts';
import { convertCheckpoint, nameRulesFor, type ConvertReport } from '../src/convert/index.ts';
import { sharedAvailable, sharedPath } from '../../../test/helpers/paths.ts';

const BERT_TINY = sharedPath('fixtures/real/keras-bert-tiny');

/** Independent transpose of a row-major [r, c] float matrix. */
function transposed(v: Float32Array, r: number, c: number): Float32Array {
  const out = new Float32Array(v.length);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = v[i * c + j];
  return out;
}

describe.skipIf(!sharedAvailable('fixtures/real'))('convert keras-bert-tiny (real BERT TF checkpoint)', () => {
  let work: string;
  let out: string;
  let report: ConvertReport;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    work = mkdtempSync(join(tmpdir(), 'b4t-convert-'));
    out = join(work, 'bert-tiny');
    report = await convertCheckpoint({ from: join(BERT_TINY, 'bert_model.ckpt'), out });
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('reports tensors, parameters and the skipped optimizer slots', () => {
    const manifest = JSON.parse(readFileSync(join(BERT_TINY, 'bert_model.ckpt.manifest.json'), 'utf8')) as {
      tensors: Array<{ name: string; shape: number[] }>;
    };
    const slots = manifest.tensors.filter((t) => /\/adam_[mv]$/.test(t.name) || t.name === 'global_step');
    const weights = manifest.tensors.filter((t) => !slots.includes(t));
    expect(report.format).toBe('tf-checkpoint');
    expect(report.model).toBe('bert');
    expect(report.optimizerSlots.sort()).toEqual(slots.map((t) => t.name).sort());
    expect(report.unmapped).toEqual([]);
    expect(report.tensors).toBe(weights.length);
    expect(report.parameters).toBe(weights.reduce((s, t) => s + t.shape.reduce((a, b) => a * b, 1), 0));
    expect(report.verified).toBe('load');
  });

  it('writes config.json (model_type bert, the TF config values), model.safetensors and vocab.txt', () => {
    expect(readdirSync(out).sort()).toEqual(['config.json', 'model.safetensors', 'vocab.txt']);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    const original = JSON.parse(readFileSync(join(BERT_TINY, 'bert_config.json'), 'utf8'));
    expect(config.model_type).toBe('bert');
    for (const k of [
      'vocab_size',
      'hidden_size',
      'num_hidden_layers',
      'num_attention_heads',
      'intermediate_size',
      'hidden_act',
      'type_vocab_size',
    ]) {
      expect(config[k]).toEqual(original[k]);
    }
    expect(readFileSync(join(out, 'vocab.txt'), 'utf8')).toBe(readFileSync(join(BERT_TINY, 'vocab.txt'), 'utf8'));
    expect(readSafetensorsHeader(join(out, 'model.safetensors')).metadata).toEqual({ format: 'pt' });
  });

  it('every converted tensor equals its source, transposed exactly where the table says', () => {
    const source = readTfCheckpoint(join(BERT_TINY, 'bert_model.ckpt'), { skipOptimizerSlots: true });
    const converted = readSafetensors(join(out, 'model.safetensors'));
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    let transposedCount = 0;
    for (const rule of nameRulesFor('bert', config)) {
      const src = source.get(rule.tf)!;
      const dst = converted.get(rule.hf)!;
      expect(dst, rule.hf).toBeDefined();
      const v = rawToFloat32(src);
      if (rule.transpose) {
        transposedCount++;
        expect(dst.shape).toEqual([src.shape[1], src.shape[0]]);
        expect(rawToFloat32(dst)).toEqual(transposed(v, src.shape[0], src.shape[1]));
      } else {
        expect(dst.shape).toEqual(src.shape);
        expect(rawToFloat32(dst)).toEqual(v);
      }
    }
    // 6 dense layers per block x 2 blocks + pooler + MLM transform.
    expect(transposedCount).toBe(14);
    expect(converted.size).toBe(source.size);
  });

  it('loads with buildTransformerModel and loadModelDir, and runs', () => {
    const built = buildTransformerModel({
      configPath: join(out, 'config.json'),
      checkpointPath: out,
      withPool: true,
      withMlm: true,
      withNsp: true,
    });
    expect(built.outputNames).toEqual(['last_hidden_state', 'pooler_output', 'nsp_logits', 'mlm_logits']);
    const dir = loadModelDir(out);
    const outputs = runModel(dir, {
      input_ids: [[2, 5, 7, 3]],
      token_type_ids: [[0, 0, 1, 1]],
      attention_mask: [[1, 1, 1, 1]],
    });
    expect(outputs.last_hidden_state.shape).toEqual([1, 4, 4]);
    expect(outputs.mlm_logits.shape).toEqual([1, 4, 15]);
    expect(Number.isFinite(outputs.mlm_logits.sum().dataSync()[0])).toBe(true);
    tf.dispose(Object.values(outputs));
  });

  it('--dtype float16 halves the tensors and rounds each value to half precision', async () => {
    const half = join(work, 'bert-tiny-f16');
    const r = await convertCheckpoint({ from: BERT_TINY, out: half, dtype: 'float16' });
    const a = readSafetensors(join(out, 'model.safetensors'));
    const b = readSafetensors(join(half, 'model.safetensors'));
    expect(r.bytes).toBeLessThan(report.bytes);
    for (const [name, t] of b) {
      expect(t.dtype, name).toBe('F16');
      const x = rawToFloat32(a.get(name)!);
      const y = rawToFloat32(t);
      for (let i = 0; i < x.length; i++)
        expect(Math.abs(x[i] - y[i])).toBeLessThanOrEqual(Math.abs(x[i]) * 2 ** -11 + 2 ** -24);
    }
  });
});

describe.skipIf(!sharedAvailable('fixtures/real'))(
  'convert the real Transformer-XL checkpoints (kimiyoung names)',
  () => {
    let work: string;
    beforeAll(async () => {
      await tf.setBackend('cpu');
      work = mkdtempSync(join(tmpdir(), 'b4t-convert-xl-'));
    });
    afterAll(() => rmSync(work, { recursive: true, force: true }));

    it('div_val 2 (tied r biases): adds the identity projection TF leaves implicit, and the model loads', async () => {
      const out = join(work, 'xl-div2');
      const r = await convertCheckpoint({
        from: sharedPath('fixtures/real/keras-transformer-xl/test_checkpoint_div_2'),
        out,
        model: 'transfo-xl',
      });
      expect(r.unmapped).toEqual([]);
      expect(r.synthesized).toEqual(['transformer.word_emb.emb_projs.0']);
      const t = readSafetensors(join(out, 'model.safetensors'));
      expect(rawToFloat32(t.get('transformer.word_emb.emb_projs.0')!)).toEqual(transposed(identity(32), 32, 32));
      const src = readTfCheckpoint(sharedPath('fixtures/real/keras-transformer-xl/test_checkpoint_div_2/model.ckpt'));
      expect(rawToFloat32(t.get('transformer.word_emb.emb_projs.1')!)).toEqual(
        transposed(rawToFloat32(src.get('transformer/adaptive_embed/cutoff_1/proj_W')!), 16, 32),
      );
      expect(rawToFloat32(t.get('transformer.r_w_bias')!)).toEqual(rawToFloat32(src.get('transformer/r_w_bias')!));
    });

    it('div_val 1 (untied r biases): per-layer rows of the stacked TF bias', async () => {
      const out = join(work, 'xl-div1');
      await convertCheckpoint({
        from: sharedPath('fixtures/real/keras-transformer-xl/test_checkpoint_div_1/model.ckpt.index'),
        out,
        model: 'transfo-xl',
      });
      const t = readSafetensors(join(out, 'model.safetensors'));
      const src = rawToFloat32(
        readTfCheckpoint(sharedPath('fixtures/real/keras-transformer-xl/test_checkpoint_div_1')).get(
          'transformer/r_r_bias',
        )!,
      );
      expect(rawToFloat32(t.get('transformer.layers.1.dec_attn.r_r_bias')!)).toEqual(src.subarray(32, 64));
      expect(t.get('transformer.layers.0.dec_attn.r_r_bias')!.shape).toEqual([4, 8]);
      const built = loadModelDir(out);
      expect(built.family).toBe('transfo-xl');
    });
  },
);

function identity(n: number): Float32Array {
  const v = new Float32Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  return v;
}
