// Original Transformer-XL TF checkpoints (CyberZHG/keras-transformer-xl test checkpoints, in ../shared):
// TF names -> Hugging Face names -> our model, then the upstream test's expected outputs, which are
// present locally as .npy files: tokens [1,10], memories memory_{i} [1,10,32] (float64), expected
// softmax [1,10,30] and new_memory_{i} [1,20,32] = (memory ++ layer input); the upstream test compares
// new_memory[:, 10:] with the layer input and the softmax with np.allclose (rtol 1e-5, atol 1e-8).
import { readFileSync, readdirSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { readTfCheckpoint } from '@bert4tfjs/core';
import { buildTransformerModel } from '../src/index.ts';
import { transfoXlStepOf } from '../src/transfo-xl/step.ts';
import { transfoXlTfConfigToHf, transfoXlTfToHf } from '../src/transfo-xl/tf-import.ts';
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
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  for (const dir of ['test_checkpoint_div_1', 'test_checkpoint_div_2', 'test_checkpoint_div_2_cutoffs_3']) {
    it(`${dir}: loads and reproduces the upstream softmax and memories`, () => {
      const base = sharedPath(ROOT, dir);
      const tfConfig = JSON.parse(readFileSync(`${base}/config.json`, 'utf8'));
      const hf = transfoXlTfToHf(readTfCheckpoint(`${base}/model.ckpt`, { skipOptimizerSlots: true }));
      const config = transfoXlTfConfigToHf(tfConfig, hf.keys());
      const built = buildTransformerModel({ config });
      const report = built.loadWeights(hf);
      expect(report.unexpected).toEqual([]);
      expect(report.loaded).toBe(built.weightMap.length);

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
      expect(worst).toBeLessThan(1e-5);
      expect(allclose).toBe(true);
      expect(worstMem).toBeLessThan(1e-4);
      tf.dispose([...mems, probs, r.hidden, r.logits!, ...r.mems]);
      built.model.dispose();
    });
  }

  it('unknown TF names are an error listing them', () => {
    const base = sharedPath(ROOT, 'test_checkpoint_div_1');
    const tensors = readTfCheckpoint(`${base}/model.ckpt`);
    tensors.set('transformer/extra/thing', tensors.get('transformer/r_w_bias')!);
    expect(() => transfoXlTfToHf(tensors)).toThrow(/transformer\/extra\/thing/);
  });
});
