// GlobalPointer / EfficientGlobalPointer span scores against the formulas written out in plain JS (RoPE as
// explicit 2-D rotations), the padding and lower-triangle masks, and the multi-label loss by hand.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  applyRope,
  decodeSpans,
  EfficientGlobalPointer,
  GlobalPointer,
  globalPointerLoss,
  SPAN_MASK_VALUE,
} from '../src/layers/task/index.ts';
import { prng } from '../../../test/helpers/random.ts';

const B = 2,
  L = 5,
  D = 6,
  HEADS = 2,
  HS = 4;
const MASK = [
  [1, 1, 1, 1, 1],
  [1, 1, 1, 0, 0],
];

const uniform = prng(11);
const rnd = (): number => uniform() * 2 - 1;
const mat = (r: number, c: number) => Array.from({ length: r }, () => Array.from({ length: c }, rnd));
const X = Array.from({ length: B }, () => mat(L, D));

const matvec = (v: number[], w: number[][], b: number[]) =>
  b.map((bj, j) => v.reduce((a, vi, i) => a + vi * w[i][j], bj));
const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i], 0);
/** RoPE by hand: rotate pair (v_2i, v_2i+1) by angle p · 10000^(−2i/d). */
function rotate(v: number[], p: number): number[] {
  const out = [...v];
  for (let i = 0; i < v.length / 2; i++) {
    const a = p * 10000 ** ((-2 * i) / v.length);
    out[2 * i] = v[2 * i] * Math.cos(a) - v[2 * i + 1] * Math.sin(a);
    out[2 * i + 1] = v[2 * i + 1] * Math.cos(a) + v[2 * i] * Math.sin(a);
  }
  return out;
}
const excluded = (b: number, m: number, n: number) => MASK[b][m] === 0 || MASK[b][n] === 0 || n < m;

function maxRelDiff(got: number[][][][], want: (b: number, h: number, m: number, n: number) => number): number {
  let worst = 0;
  for (let b = 0; b < B; b++)
    for (let h = 0; h < HEADS; h++)
      for (let m = 0; m < L; m++)
        for (let n = 0; n < L; n++) {
          const w = excluded(b, m, n) ? SPAN_MASK_VALUE : want(b, h, m, n);
          worst = Math.max(worst, Math.abs(got[b][h][m][n] - w) / Math.max(1, Math.abs(w)));
        }
  return worst;
}

describe('GlobalPointer', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('scores = RoPE(q_m)·RoPE(k_n)/√d with padding and n < m masked', () => {
    const W = mat(D, HEADS * 2 * HS);
    const bias = Array.from({ length: HEADS * 2 * HS }, rnd);
    const gp = new GlobalPointer({ heads: HEADS, headSize: HS });
    const got = tf.tidy(() => {
      gp.apply([tf.tensor3d(X), tf.tensor2d(MASK)]);
      gp.setWeights([tf.tensor2d(W), tf.tensor1d(bias)]);
      return (gp.apply([tf.tensor3d(X), tf.tensor2d(MASK)]) as tf.Tensor).arraySync() as number[][][][];
    });
    expect([got.length, got[0].length, got[0][0].length, got[0][0][0].length]).toEqual([B, HEADS, L, L]);
    const want = (b: number, h: number, m: number, n: number) => {
      const pm = matvec(X[b][m], W, bias);
      const pn = matvec(X[b][n], W, bias);
      const q = pm.slice(h * 2 * HS, h * 2 * HS + HS);
      const k = pn.slice(h * 2 * HS + HS, (h + 1) * 2 * HS);
      return dot(rotate(q, m), rotate(k, n)) / Math.sqrt(HS);
    };
    expect(maxRelDiff(got, want)).toBeLessThan(1e-5);
    gp.dispose();
  });

  it('without masks and RoPE it is the plain scaled dot product everywhere', () => {
    const gp = new GlobalPointer({ heads: 1, headSize: HS, rope: false, trilMask: false, useBias: false });
    const W = mat(D, 2 * HS);
    const got = tf.tidy(() => {
      gp.apply(tf.tensor3d(X));
      gp.setWeights([tf.tensor2d(W)]);
      return (gp.apply(tf.tensor3d(X)) as tf.Tensor).arraySync() as number[][][][];
    });
    let worst = 0;
    for (let m = 0; m < L; m++)
      for (let n = 0; n < L; n++) {
        const p = matvec(X[1][m], W, new Array(2 * HS).fill(0));
        const r = matvec(X[1][n], W, new Array(2 * HS).fill(0));
        worst = Math.max(worst, Math.abs(got[1][0][m][n] - dot(p.slice(0, HS), r.slice(HS)) / Math.sqrt(HS)));
      }
    expect(worst).toBeLessThan(1e-5);
    gp.dispose();
  });

  it('RoPE makes the score of constant q, k depend on n − m only', () => {
    const q = Array.from({ length: 8 }, rnd);
    const k = Array.from({ length: 8 }, rnd);
    const s = tf.tidy(() => {
      const rq = applyRope(tf.tile(tf.tensor(q, [1, 1, 8]), [1, 6, 1]));
      const rk = applyRope(tf.tile(tf.tensor(k, [1, 1, 8]), [1, 6, 1]));
      return tf.matMul(rq, rk, false, true).arraySync() as number[][][];
    })[0];
    for (let m = 0; m + 1 < 6; m++)
      for (let n = 0; n + 1 < 6; n++) expect(Math.abs(s[m][n] - s[m + 1][n + 1])).toBeLessThan(1e-5);
    expect(Math.abs(s[0][0] - dot(q, k))).toBeLessThan(1e-5);
  });
});

describe('EfficientGlobalPointer', () => {
  it('scores = RoPE(q_m)·RoPE(k_n)/√d + (a_2h(n) + a_2h+1(m))/2, masked', () => {
    const Wp = mat(D, 2 * HS);
    const bp = Array.from({ length: 2 * HS }, rnd);
    const Wq = mat(2 * HS, 2 * HEADS);
    const bq = Array.from({ length: 2 * HEADS }, rnd);
    const egp = new EfficientGlobalPointer({ heads: HEADS, headSize: HS });
    const got = tf.tidy(() => {
      egp.apply([tf.tensor3d(X), tf.tensor2d(MASK)]);
      egp.setWeights([tf.tensor2d(Wp), tf.tensor2d(Wq), tf.tensor1d(bp), tf.tensor1d(bq)]);
      return (egp.apply([tf.tensor3d(X), tf.tensor2d(MASK)]) as tf.Tensor).arraySync() as number[][][][];
    });
    const want = (b: number, h: number, m: number, n: number) => {
      const pm = matvec(X[b][m], Wp, bp);
      const pn = matvec(X[b][n], Wp, bp);
      const q = pm.filter((_, i) => i % 2 === 0);
      const k = pn.filter((_, i) => i % 2 === 1);
      const am = matvec(pm, Wq, bq);
      const an = matvec(pn, Wq, bq);
      return dot(rotate(q, m), rotate(k, n)) / Math.sqrt(HS) + (an[2 * h] + am[2 * h + 1]) / 2;
    };
    expect(egp.weights.map((w) => w.originalName.split('/').pop())).toEqual([
      'p_kernel',
      'q_kernel',
      'p_bias',
      'q_bias',
    ]);
    expect(maxRelDiff(got, want)).toBeLessThan(1e-5);
    egp.dispose();
  });
});

describe('globalPointerLoss and decodeSpans', () => {
  it('loss = mean over (example, head) rows of log(1+Σ_neg e^s) + log(1+Σ_pos e^−s), masked spans inert', () => {
    const scores = [
      [
        [
          [0.5, 2, SPAN_MASK_VALUE],
          [SPAN_MASK_VALUE, -1, 0.3],
          [SPAN_MASK_VALUE, SPAN_MASK_VALUE, 1.5],
        ],
      ],
    ];
    const gold = [
      [
        [
          [0, 1, 0],
          [0, 0, 0],
          [0, 0, 1],
        ],
      ],
    ];
    const got = tf.tidy(() => globalPointerLoss(tf.tensor4d(gold), tf.tensor4d(scores)).dataSync()[0]);
    const want =
      Math.log(1 + Math.exp(0.5) + Math.exp(-1) + Math.exp(0.3)) + Math.log(1 + Math.exp(-2) + Math.exp(-1.5));
    expect(Math.abs(got - want)).toBeLessThan(1e-5);
    const t = tf.tensor4d(scores);
    const spans = decodeSpans(t);
    t.dispose();
    expect(spans.map((s) => [s.batch, s.head, s.start, s.end])).toEqual([
      [0, 0, 0, 0],
      [0, 0, 0, 1],
      [0, 0, 1, 2],
      [0, 0, 2, 2],
    ]);
  });
});
