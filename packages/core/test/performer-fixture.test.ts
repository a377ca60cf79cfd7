/**
 * FAVOR+ against the oracle fixture (lucidrains performer-pytorch, fixtures/performer): with the stored
 * projection matrix, feature maps and all attention outputs match within 1e-5; projections (stored and
 * ours) are stacks of orthogonal blocks with chi-distributed row norms.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { rawToFloat32, readSafetensors, type NamedTensors } from '../src/io/index.ts';
import {
  createProjection,
  favorAttention,
  keyFeatures,
  orthogonalRandomFeatures,
  queryFeatures,
} from '../src/layers/performer/index.ts';
import { fixturePath } from '../../../test/helpers/paths.ts';

const TOL = 1e-5;
let fx: NamedTensors;

function t(name: string): tf.Tensor {
  const raw = fx.get(name);
  if (!raw) throw new Error(`fixture tensor ${name} missing`);
  return tf.tensor(rawToFloat32(raw), raw.shape as number[], 'float32');
}

function maxAbs(a: tf.Tensor, name: string): number {
  const want = rawToFloat32(fx.get(name)!);
  expect(a.shape).toEqual(fx.get(name)!.shape);
  const got = a.dataSync();
  let m = 0;
  for (let i = 0; i < got.length; i++) m = Math.max(m, Math.abs(got[i] - want[i]));
  return m;
}

/** Max |B Bᵀ − I| over each d×d block of row-normalised rows, and the row norms. */
function blockOrthogonality(w: Float32Array, m: number, d: number): { err: number; norms: number[] } {
  const norms: number[] = [];
  for (let r = 0; r < m; r++) {
    let s = 0;
    for (let c = 0; c < d; c++) s += w[r * d + c] ** 2;
    norms.push(Math.sqrt(s));
  }
  let err = 0;
  for (let start = 0; start < m; start += d) {
    const rows = Math.min(d, m - start);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < rows; j++) {
        let dot = 0;
        for (let c = 0; c < d; c++) dot += w[(start + i) * d + c] * w[(start + j) * d + c];
        dot /= norms[start + i] * norms[start + j];
        err = Math.max(err, Math.abs(dot - (i === j ? 1 : 0)));
      }
    }
  }
  return { err, norms };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  fx = readSafetensors(fixturePath('performer', 'performer.safetensors'));
});

describe('FAVOR+ parity with lucidrains performer-pytorch', () => {
  const scale = 1 / Math.sqrt(16);

  it('query and key feature maps (q_prime, k_prime)', () => {
    tf.tidy(() => {
      const projT = tf.transpose(t('projection_matrix'));
      const qp = queryFeatures(t('q'), projT, scale, 'softmax');
      const kp = keyFeatures(t('k'), projT, scale, 'softmax', null);
      expect(maxAbs(qp, 'q_prime')).toBeLessThan(TOL);
      expect(maxAbs(kp, 'k_prime')).toBeLessThan(TOL);
    });
  });

  const cases: Array<[string, string, Parameters<typeof favorAttention>[2], boolean]> = [
    ['non-causal softmax features', 'favor_noncausal', {}, false],
    [
      'causal softmax features, reference (global) stabiliser, one block',
      'favor_causal',
      { causalStabilizer: 'global' },
      true,
    ],
    [
      'causal softmax features, reference stabiliser, blocks of 5',
      'favor_causal',
      { causalStabilizer: 'global', chunkSize: 5 },
      true,
    ],
    ['non-causal relu features', 'relu_kernel_noncausal', { kernel: 'relu' }, false],
  ];
  for (const [title, name, options, causal] of cases) {
    it(`${title} (${name})`, () => {
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        const out = favorAttention({ q: t('q'), k: t('k'), v: t('v'), causal }, t('projection_matrix'), options);
        expect(maxAbs(out, name)).toBeLessThan(TOL);
      });
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('m = 4096 non-causal (favor_noncausal_large), ~6% from exact softmax attention', () => {
    tf.tidy(() => {
      const out = favorAttention({ q: t('q'), k: t('k'), v: t('v') }, t('projection_matrix_large'));
      expect(maxAbs(out, 'favor_noncausal_large')).toBeLessThan(TOL);
      const exact = t('exact_softmax_noncausal');
      const rel = tf.norm(tf.sub(out, exact)).dataSync()[0] / tf.norm(exact).dataSync()[0];
      expect(rel).toBeGreaterThan(0.01); // a random-feature estimate, not exact ...
      expect(rel).toBeLessThan(0.1); // ... but close (fixture: 0.063)
    });
  });
});

describe('orthogonal random features', () => {
  it('the fixture projections are stacks of orthogonal blocks (sanity of the check itself)', () => {
    const small = blockOrthogonality(rawToFloat32(fx.get('projection_matrix')!), 32, 16);
    expect(small.err).toBeLessThan(1e-5);
  });

  it('ours: every d×d block orthogonal, also a truncated last block; rows rescaled (not unit)', () => {
    const d = 16;
    const m = 40; // two full blocks and a partial one
    const w = orthogonalRandomFeatures(m, d, 7);
    const { err, norms } = blockOrthogonality(w, m, d);
    expect(err).toBeLessThan(1e-6);
    expect(norms.some((n) => Math.abs(n - 1) > 0.1)).toBe(true);
  });

  it('row norms follow the chi_d law: mean ≈ sqrt(d − 1/2), variance ≈ 1/2', () => {
    const d = 64;
    const m = 4096;
    const { norms } = blockOrthogonality(orthogonalRandomFeatures(m, d, 11), m, d);
    const mean = norms.reduce((a, b) => a + b, 0) / m;
    const variance = norms.reduce((a, b) => a + (b - mean) ** 2, 0) / m;
    expect(Math.abs(mean - Math.sqrt(d - 0.5))).toBeLessThan(0.05);
    expect(Math.abs(variance - 0.5)).toBeLessThan(0.06);
  });

  it('entries look standard normal (mean ≈ 0, variance ≈ 1)', () => {
    const w = orthogonalRandomFeatures(2048, 32, 3);
    const mean = w.reduce((a, b) => a + b, 0) / w.length;
    const variance = w.reduce((a, b) => a + (b - mean) ** 2, 0) / w.length;
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(variance - 1)).toBeLessThan(0.03);
  });

  it('is deterministic per seed and differs across seeds', () => {
    const a = orthogonalRandomFeatures(32, 8, 5);
    expect(orthogonalRandomFeatures(32, 8, 5)).toEqual(a);
    const b = orthogonalRandomFeatures(32, 8, 6);
    expect(b).not.toEqual(a);
    const p = createProjection(32, 8, 5);
    expect(p.shape).toEqual([32, 8]);
    expect(Array.from(p.dataSync())).toEqual(Array.from(a));
    p.dispose();
  });
});
