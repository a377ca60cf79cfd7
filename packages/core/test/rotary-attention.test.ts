// Rotary attention (RoFormer) against rotations worked by hand: the angles, Hugging Face's stored table,
// relative-position invariance of q·k, rotary_value on or off, a whole MultiHeadAttention with identity
// projections, the attention probe, and bad options.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  MultiHeadAttention,
  recordAttentions,
  rotaryAttentionKernel,
  rotarySinusoidTable,
  rotateHeads,
  softmaxAttention,
} from '../src/layers/index.ts';
import { prng } from '../../../test/helpers/random.ts';

const uniform = prng(17);
const rnd = (): number => uniform() * 2 - 1;

/** Rotates one d-vector at position p by hand: pair i turns by p·10000^(−2i/d). */
function rotateByHand(x: number[], p: number): number[] {
  const out = x.slice();
  for (let i = 0; i < x.length / 2; i++) {
    const a = p * 10000 ** ((-2 * i) / x.length);
    out[2 * i] = x[2 * i] * Math.cos(a) - x[2 * i + 1] * Math.sin(a);
    out[2 * i + 1] = x[2 * i + 1] * Math.cos(a) + x[2 * i] * Math.sin(a);
  }
  return out;
}

const dot = (a: number[], b: number[]): number => a.reduce((s, x, i) => s + x * b[i], 0);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('rotateHeads', () => {
  it('turns pair i at position p by p·10000^(−2i/d): worked values for d = 4', () => {
    // Position 0 unchanged; position 1: (1,0) -> (cos 1, sin 1), (0,1) -> (−sin 0.01, cos 0.01).
    const x = tf.tensor4d([1, 0, 0, 1, 1, 0, 0, 1], [1, 1, 2, 4]);
    const got = Array.from(rotateHeads(x).dataSync());
    const want = [1, 0, 0, 1, Math.cos(1), Math.sin(1), -Math.sin(0.01), Math.cos(0.01)];
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 6));
  });

  it('matches a per-vector rotation for every head and batch row', () => {
    const [b, h, l, d] = [2, 3, 5, 8];
    const data = Array.from({ length: b * h * l * d }, rnd);
    const got = rotateHeads(tf.tensor4d(data, [b, h, l, d])).dataSync();
    for (let n = 0; n < b * h; n++) {
      for (let p = 0; p < l; p++) {
        const off = (n * l + p) * d;
        const want = rotateByHand(data.slice(off, off + d), p);
        want.forEach((v, i) => expect(got[off + i]).toBeCloseTo(v, 5));
      }
    }
  });

  it('makes q·k depend on positions only through their difference', () => {
    const d = 8;
    const q = Array.from({ length: d }, rnd);
    const k = Array.from({ length: d }, rnd);
    // Put q at position m and k at position n for (m, n) = (1, 4) and (6, 9): same offset 3.
    const at = (v: number[], p: number, l: number) => {
      const rows = Array.from({ length: l }, (_, i) => (i === p ? v : Array<number>(d).fill(0)));
      return Array.from(rotateHeads(tf.tensor4d(rows.flat(), [1, 1, l, d])).dataSync()).slice(p * d, (p + 1) * d);
    };
    const s1 = dot(at(q, 1, 10), at(k, 4, 10));
    const s2 = dot(at(q, 6, 10), at(k, 9, 10));
    expect(Math.abs(s1 - s2)).toBeLessThan(1e-5);
    expect(Math.abs(s1 - dot(q, k))).toBeGreaterThan(1e-3); // and the offset does matter
  });

  it('rejects an odd head size', () => {
    expect(() => rotateHeads(tf.zeros([1, 1, 2, 3]))).toThrow(/even head size, got 3/);
  });
});

describe('rotarySinusoidTable (Hugging Face embed_positions layout)', () => {
  it('row p is sin(p·θ_i) for the first half, cos(p·θ_i) for the second', () => {
    const t = rotarySinusoidTable(3, 4);
    const want = [0, 0, 1, 1, Math.sin(1), Math.sin(0.01), Math.cos(1), Math.cos(0.01)];
    want.forEach((v, i) => expect(t[i]).toBeCloseTo(v, 7));
    expect(t[8 + 0]).toBeCloseTo(Math.sin(2), 7);
    expect(t[8 + 3]).toBeCloseTo(Math.cos(0.02), 7);
  });
});

describe('rotary kernel', () => {
  const base = { keyMask: null, bias: null, causal: false, scale: 1, dropout: 0, training: false };
  // Zero queries and keys give uniform probabilities: the context is the mean of the (rotated) values.
  const q = tf.zeros([1, 1, 2, 4]);
  const v = tf.tensor4d([1, 0, 0, 0, 1, 0, 0, 0], [1, 1, 2, 4]);

  it('leaves values alone by default', () => {
    const out = rotaryAttentionKernel({ type: 'rotary' })({ ...base, q, k: q, v }).dataSync();
    [1, 0, 0, 0, 1, 0, 0, 0].forEach((x, i) => expect(out[i]).toBeCloseTo(x, 6));
  });

  it('rotates values with rotaryValue: true (mean of v0 and v1 turned by 1 radian)', () => {
    const out = rotaryAttentionKernel({ type: 'rotary', rotaryValue: true })({ ...base, q, k: q, v }).dataSync();
    const row = [(1 + Math.cos(1)) / 2, Math.sin(1) / 2, 0, 0];
    [...row, ...row].forEach((x, i) => expect(out[i]).toBeCloseTo(x, 6));
  });

  it('rejects unknown or mistyped options', () => {
    expect(() => rotaryAttentionKernel({ type: 'rotary', base: 500 })).toThrow(/unknown option\(s\) base/);
    expect(() => rotaryAttentionKernel({ type: 'rotary', rotaryValue: 'yes' })).toThrow(/rotaryValue must be/);
  });
});

describe("MultiHeadAttention with attention: { type: 'rotary' }", () => {
  it('equals softmax(rot(x)·rot(x)ᵀ/√d)·x with identity projections, masks honoured, and probes record it', () => {
    const [l, d] = [4, 4];
    const x = Array.from({ length: l }, () => Array.from({ length: d }, rnd));
    const mask = [1, 1, 1, 0];
    const layer = new MultiHeadAttention({
      heads: 1,
      headSize: d,
      maskInput: true,
      attention: { type: 'rotary' },
      name: 'rot-attn',
    });
    const xt = tf.tensor3d([x]);
    const mt = tf.tensor2d([mask]);
    layer.apply([xt, mt]);
    const eye = tf.eye(d);
    layer.setWeights([eye, tf.zeros([d]), eye, tf.zeros([d]), eye, tf.zeros([d]), eye, tf.zeros([d])]);
    const before = tf.memory().numTensors;
    const { result, attentions } = recordAttentions(() => layer.apply([xt, mt]) as tf.Tensor);
    const out = result.dataSync();
    const probs = attentions.get('rot-attn')!.dataSync();
    const r = x.map((row, p) => rotateByHand(row, p));
    for (let i = 0; i < l; i++) {
      const s = r.map((rj, j) => (mask[j] ? dot(r[i], rj) / Math.sqrt(d) : -Infinity));
      const mx = Math.max(...s);
      const e = s.map((v) => Math.exp(v - mx));
      const z = e.reduce((a, b) => a + b, 0);
      const p = e.map((v) => v / z);
      p.forEach((pv, j) => expect(probs[i * l + j]).toBeCloseTo(pv, 5));
      for (let c = 0; c < d; c++)
        expect(out[i * d + c]).toBeCloseTo(
          dot(
            p,
            x.map((row) => row[c]),
          ),
          5,
        );
    }
    result.dispose();
    tf.dispose([...attentions.values()]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('outside a probe records nothing and equals the plain softmax kernel on pre-rotated inputs', () => {
    const shape = [2, 2, 3, 4] as const;
    const mk = () => tf.tensor4d(Array.from({ length: 48 }, rnd), [...shape]);
    const inp = {
      q: mk(),
      k: mk(),
      v: mk(),
      keyMask: null,
      bias: null,
      causal: true,
      scale: 0.5,
      dropout: 0,
      training: false,
    };
    const got = rotaryAttentionKernel({ type: 'rotary' })(inp).dataSync();
    const want = softmaxAttention({ ...inp, q: rotateHeads(inp.q), k: rotateHeads(inp.k) }).dataSync();
    want.forEach((v, i) => expect(got[i]).toBeCloseTo(v, 6));
  });
});
