// NEZHA's functional relative positions against values worked by hand: the sinusoid table, the clipped
// R[i][j], and the kernel's scores and context written out as loops over the formula.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  MultiHeadAttention,
  nezhaRelativeAttentionKernel,
  nezhaRelativeEncoding,
  nezhaSinusoidTable,
  recordAttentions,
} from '../src/layers/index.ts';
import { prng } from '../../../test/helpers/random.ts';

const uniform = prng(23);
const rnd = (): number => uniform() * 2 - 1;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('nezhaSinusoidTable / nezhaRelativeEncoding', () => {
  it('row r is [sin r, cos r] for dim 2 and interleaves sin/cos with 10000^(−2k/d) for dim 4', () => {
    const t2 = nezhaSinusoidTable(1, 2);
    [0, 1, Math.sin(1), Math.cos(1), Math.sin(2), Math.cos(2)].forEach((v, i) => expect(t2[i]).toBeCloseTo(v, 7));
    const t4 = nezhaSinusoidTable(1, 4);
    // r = 2: [sin 2, cos 2, sin 0.02, cos 0.02]
    [Math.sin(2), Math.cos(2), Math.sin(0.02), Math.cos(0.02)].forEach((v, i) => expect(t4[8 + i]).toBeCloseTo(v, 7));
  });

  it('R[i][j] is table row clamp(j − i, −m, m) + m', () => {
    const m = 1;
    const r = nezhaRelativeEncoding(3, 3, m, 2);
    const row = (i: number, j: number) => Array.from(r.subarray((i * 3 + j) * 2, (i * 3 + j + 1) * 2));
    const t = nezhaSinusoidTable(m, 2);
    const tableRow = (k: number) => Array.from(t.subarray(k * 2, k * 2 + 2));
    expect(row(0, 2)).toEqual(tableRow(2)); // j − i = 2 clipped to 1 -> row 2
    expect(row(2, 0)).toEqual(tableRow(0)); // −2 clipped to −1 -> row 0
    expect(row(1, 1)).toEqual(tableRow(1)); // 0 -> row m
    expect(row(1, 2)).toEqual(tableRow(2));
  });
});

/** The kernel's formula as plain loops: one batch row, one head. */
function byHand(q: number[][], k: number[][], v: number[][], m: number, scale: number, mask: number[]) {
  const l = q.length;
  const d = q[0].length;
  const enc = nezhaRelativeEncoding(l, l, m, d);
  const R = (i: number, j: number) => Array.from(enc.subarray((i * l + j) * d, (i * l + j + 1) * d));
  const probs: number[][] = [];
  const ctx: number[][] = [];
  for (let i = 0; i < l; i++) {
    const s = k.map((kj, j) =>
      mask[j] ? scale * kj.reduce((acc, x, c) => acc + q[i][c] * (x + R(i, j)[c]), 0) : Number.NEGATIVE_INFINITY,
    );
    const mx = Math.max(...s);
    const e = s.map((x) => Math.exp(x - mx));
    const z = e.reduce((a, b) => a + b, 0);
    const p = e.map((x) => x / z);
    probs.push(p);
    ctx.push(Array.from({ length: d }, (_, c) => p.reduce((acc, pj, j) => acc + pj * (v[j][c] + R(i, j)[c]), 0)));
  }
  return { probs, ctx };
}

describe('nezha-relative kernel', () => {
  it('scores = scale·(q·k + q·R), context = p·v + p·R, with clipping and a padding mask', () => {
    const [l, d, m] = [5, 4, 2];
    const mat = () => Array.from({ length: l }, () => Array.from({ length: d }, rnd));
    const q = mat();
    const k = mat();
    const v = mat();
    const mask = [1, 1, 1, 1, 0];
    const kernel = nezhaRelativeAttentionKernel({ type: 'nezha-relative', maxRelativePosition: m }, 'nz');
    const t = (x: number[][]) => tf.tensor4d([x.flat()].flat(), [1, 1, l, d]);
    const { result, attentions } = recordAttentions(() =>
      kernel({
        q: t(q),
        k: t(k),
        v: t(v),
        keyMask: tf.tensor2d([mask]),
        bias: null,
        causal: false,
        scale: 1 / Math.sqrt(d),
        dropout: 0,
        training: false,
      }),
    );
    const want = byHand(q, k, v, m, 1 / Math.sqrt(d), mask);
    const got = result.dataSync();
    const probs = attentions.get('nz')!.dataSync();
    want.ctx.flat().forEach((x, i) => expect(got[i]).toBeCloseTo(x, 5));
    want.probs.flat().forEach((x, i) => expect(probs[i]).toBeCloseTo(x, 5));
    expect(probs[4]).toBe(0); // the padded key gets nothing
  });

  it('runs inside MultiHeadAttention per head (2 heads, batch 2) and frees what it makes', () => {
    const layer = new MultiHeadAttention({
      heads: 2,
      headSize: 4,
      maskInput: true,
      attention: { type: 'nezha-relative', maxRelativePosition: 3 },
    });
    const x = tf.randomNormal([2, 6, 8], 0, 1, 'float32', 3);
    const mask = tf.ones([2, 6]);
    layer.apply([x, mask]);
    const before = tf.memory().numTensors;
    const y = layer.apply([x, mask]) as tf.Tensor;
    expect(y.shape).toEqual([2, 6, 8]);
    expect(Array.from(y.dataSync()).every(Number.isFinite)).toBe(true);
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects a missing or bad maxRelativePosition and unknown options', () => {
    expect(() => nezhaRelativeAttentionKernel({ type: 'nezha-relative' })).toThrow(
      /maxRelativePosition must be a positive integer/,
    );
    expect(() => nezhaRelativeAttentionKernel({ type: 'nezha-relative', maxRelativePosition: 1.5 })).toThrow(
      /positive integer/,
    );
    expect(() => nezhaRelativeAttentionKernel({ type: 'nezha-relative', maxRelativePosition: 2, clip: 1 })).toThrow(
      /unknown option\(s\) clip/,
    );
  });
});
