// Original Transformer-XL TF checkpoints (CyberZHG/keras-transformer-xl test checkpoints, in ../shared)
// through the one Transformer-XL TF name table and config translation (transfo-xl/tf-names.ts,
// tf-config.ts): `convertCheckpoint` -> model directory -> `loadModelDir`, then the upstream test's
// expected outputs, which are
// present locally as .npy files: tokens [1,10], memories memory_{i} [1,10,32] (float64), expected
// softmax [1,10,30] and new_memory_{i} [1,20,32] = (memory ++ layer input); the upstream test compares
// new_memory[:, 10:] with the layer input and the softmax with np.allclose (rtol 1e-5, atol 1e-8).
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTfCheckpoint, writeTfCheckpoint } from '@bert4tfjs/core';
import {
  convertCheckpoint,
  loadModelDir,
  readConfigFile,
  transfoXlConfigFromTf,
  transfoXlConfigToTf,
} from '../src/index.ts';
import { transfoXlStepOf } from '../src/transfo-xl/step.ts';
import { sharedAvailable, sharedPath } from '../../../test/helpers/paths.ts';

const ROOT = 'fixtures/real/keras-transformer-xl';

/** A minimal .npy reader (v1/v2 headers; little-endian f4, f8, i8), enough for these fixtures. */
function readNpy(path: string): { shape: number[]; data: Float64Array } {
  const buf = readFileSync(path);
  expect(buf.subarray(1, 6).toString('latin1')).toBe('NUMPY');
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.subarray(start, start + headerLen).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)![1];
  expect(/'fortran_order':\s*False/.test(header)).toBe(true);
  const shape = /'shape':\s*\(([^)]*)\)/
    .exec(header)![1]
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const body = buf.subarray(start + headerLen);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float64Array(n);
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  for (let i = 0; i < n; i++) {
    if (descr === '<f4') data[i] = view.getFloat32(i * 4, true);
    else if (descr === '<f8') data[i] = view.getFloat64(i * 8, true);
    else if (descr === '<i8') data[i] = Number(view.getBigInt64(i * 8, true));
    else throw new Error(`unsupported npy dtype ${descr} in ${path}`);
  }
  return { shape, data };
}

const HAVE = sharedAvailable(ROOT);

describe.skipIf(!HAVE)('Transformer-XL from original TF checkpoints (keras-transformer-xl fixtures)', () => {
  let work: string;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    work = mkdtempSync(join(tmpdir(), 'b4t-xl-tf-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  for (const dir of ['test_checkpoint_div_1', 'test_checkpoint_div_2', 'test_checkpoint_div_2_cutoffs_3']) {
    it(`${dir}: converts, loads and reproduces the upstream softmax and memories`, async () => {
      const base = sharedPath(ROOT, dir);
      const tfConfig = JSON.parse(readFileSync(`${base}/config.json`, 'utf8'));
      const out = join(work, dir);
      const converted = await convertCheckpoint({ from: base, out, model: 'transfo-xl' });
      expect(converted.unmapped).toEqual([]);
      const config = readConfigFile(join(out, 'config.json'));
      // The original release's settings: evaluation memory / clamp (test_*) win, TF's LayerNorm epsilon.
      expect(config.mem_len).toBe(tfConfig.test_mem_len);
      expect(config.clamp_len).toBe(tfConfig.test_clamp_len);
      expect(config.layer_norm_epsilon).toBe(1e-12);
      const built = loadModelDir(out);

      const tokens = readNpy(`${base}/tokens.npy`);
      const nLayer = tfConfig.n_layer as number;
      expect(readdirSync(base).filter((f) => /^memory_\d+\.npy$/.test(f)).length).toBe(nLayer);
      const mems = Array.from({ length: nLayer }, (_, i) => {
        const m = readNpy(`${base}/memory_${i}.npy`);
        return tf.tensor3d(Float32Array.from(m.data), m.shape as [number, number, number]);
      });
      const ids = [Array.from(tokens.data)];
      const r = transfoXlStepOf(built)(ids, mems);
      const probs = tf.softmax(r.logits!);
      const want = readNpy(`${base}/softmax.npy`);
      expect(probs.shape).toEqual(want.shape);
      const got = probs.dataSync();
      let worst = 0;
      let allclose = true;
      for (let i = 0; i < got.length; i++) {
        const d = Math.abs(got[i] - want.data[i]);
        worst = Math.max(worst, d);
        if (d > 1e-8 + 1e-5 * Math.abs(want.data[i])) allclose = false;
      }
      let worstMem = 0;
      r.mems.forEach((m, i) => {
        const nm = readNpy(`${base}/new_memory_${i}.npy`);
        const [, total, d] = nm.shape;
        const keep = m.shape[1];
        expect(keep).toBe(config.mem_len);
        const data = m.dataSync();
        for (let t = 0; t < keep; t++)
          for (let k = 0; k < d; k++) {
            worstMem = Math.max(worstMem, Math.abs(data[t * d + k] - nm.data[(total - keep + t) * d + k]));
          }
      });
      console.log(
        `${dir}: softmax max abs diff ${worst.toExponential(2)} (np.allclose: ${allclose}), memories ${worstMem.toExponential(2)}`,
      );
      // Tight enough to tell the LayerNorm epsilon apart: with Hugging Face's 1e-5 instead of TF's 1e-12
      // these checkpoints give softmax errors up to 2.4e-6 and memory errors up to 1.4e-5.
      expect(worst).toBeLessThan(5e-7);
      expect(allclose).toBe(true);
      expect(worstMem).toBeLessThan(5e-6);
      tf.dispose([...mems, probs, r.hidden, r.logits!, ...r.mems]);
      built.model.dispose();
    });
  }

  it('a TF variable the table does not know is reported as unmapped, not written', async () => {
    const base = sharedPath(ROOT, 'test_checkpoint_div_1');
    const tensors = readTfCheckpoint(`${base}/model.ckpt`);
    tensors.set('transformer/extra/thing', tensors.get('transformer/r_w_bias')!);
    const src = join(work, 'extra');
    writeTfCheckpoint(join(src, 'model.ckpt'), tensors);
    const r = await convertCheckpoint({
      from: src,
      out: join(work, 'extra-out'),
      model: 'transfo-xl',
      config: `${base}/config.json`,
    });
    expect(r.unmapped).toEqual(['transformer/extra/thing']);
  });
});

describe('the Transformer-XL TF config translation (the one table convert uses)', () => {
  const base = { n_layer: 2, d_model: 8, d_embed: 8, n_head: 2, d_head: 4, d_inner: 16, vocab_size: 20 };
  const listing = [{ name: 'transformer/r_w_bias', dtype: 'F32' as const, shape: [2, 2, 4] }];

  it("uses the TF release's defaults: no clamping, training mem_len, TF's LayerNorm epsilon", () => {
    const hf = transfoXlConfigFromTf({ ...base, mem_len: 5 }, listing);
    expect(hf.clamp_len).toBe(-1);
    expect(hf.mem_len).toBe(5);
    expect(hf.layer_norm_epsilon).toBe(1e-12);
    expect(hf.untie_r).toBe(true);
    expect(hf.cutoffs).toEqual([]);
  });

  it('lets the evaluation settings (test_*) win, and reads cutoffs framed by 0 and vocab_size', () => {
    const hf = transfoXlConfigFromTf(
      { ...base, mem_len: 5, test_mem_len: 7, clamp_len: 3, test_clamp_len: 9, cutoffs: [0, 10, 20], div_val: 2 },
      [
        ...listing.map((t) => ({ ...t, shape: [2, 4] })),
        { name: 'transformer/adaptive_softmax/cutoff_1/proj', dtype: 'F32', shape: [4, 8] },
      ],
    );
    expect([hf.mem_len, hf.clamp_len]).toEqual([7, 9]);
    expect(hf.cutoffs).toEqual([10]);
    expect(hf.untie_r).toBe(false);
    // Bucket 0 has no softmax projection of its own (tied to the embedding's), bucket 1 does.
    expect(hf.tie_projs).toEqual([true, false]);
  });

  it('round-trips through the TF export keys', () => {
    const hf = transfoXlConfigFromTf({ ...base, mem_len: 5, clamp_len: 4, cutoffs: [0, 10, 20], div_val: 2 }, listing);
    const back = transfoXlConfigFromTf(transfoXlConfigToTf(hf), listing);
    expect(back).toEqual(hf);
  });
});
