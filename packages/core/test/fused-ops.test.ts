// The fused training ops (GELU, layer norm, feed-forward, softmax attention core, linear) give the values
// of the composed formulas (1e-6) and gradients equal to tf.grad of those formulas (1e-5 relative), on
// cpu and on wasm, and leak no tensor. The wasm Identity kernel shares buffers once installed.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/index.ts';
import {
  fusedFeedForward,
  fusedGelu,
  fusedGeluTanh,
  fusedLayerNorm,
  fusedSoftmaxAttention,
  geluFormula,
  geluNewFormula,
  linear,
  shareIdentityOnWasm,
} from '../src/ops/index.ts';
import { MASK_NEGATIVE, softmaxAttention } from '../src/layers/attention-kernel.ts';

delete process.env.BERT4TFJS_BACKEND;
delete process.env.BERT4TFJS_THREADS;

/** max |a − b| / max(max |b|, 1e-3). */
function relDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] / Math.max(tf.max(tf.abs(b)).dataSync()[0], 1e-3));
}

/** Checks values (1e-6) and the gradients w.r.t. every input (1e-5) of `fused` against `formula`, and no leak. */
function expectSameFunction(
  fused: (...xs: tf.Tensor[]) => tf.Tensor,
  formula: (...xs: tf.Tensor[]) => tf.Tensor,
  inputs: tf.Tensor[],
): void {
  const before = tf.memory().numTensors;
  tf.tidy(() => {
    expect(relDiff(fused(...inputs), formula(...inputs))).toBeLessThan(1e-6);
    // A random cotangent so every output element matters.
    const dy = tf.randomNormal(formula(...inputs).shape, 0, 1, 'float32', 99);
    const gF = tf.grads((...xs: tf.Tensor[]) => fused(...xs))(inputs, dy);
    const gR = tf.grads((...xs: tf.Tensor[]) => formula(...xs))(inputs, dy);
    gF.forEach((g, i) => expect(relDiff(g, gR[i]), `gradient of input ${i}`).toBeLessThan(1e-5));
  });
  expect(tf.memory().numTensors).toBe(before);
}

const rnd = (shape: number[], seed: number, scale = 1): tf.Tensor => tf.randomNormal(shape, 0, scale, 'float32', seed);

function layerNormFormula(
  x: tf.Tensor,
  gamma: tf.Tensor | null,
  beta: tf.Tensor | null,
  eps: number,
  rms: boolean,
): tf.Tensor {
  const axis = x.rank - 1;
  let y: tf.Tensor;
  if (rms) y = tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), axis, true), eps)));
  else {
    const c = tf.sub(x, tf.mean(x, axis, true));
    y = tf.mul(c, tf.rsqrt(tf.add(tf.mean(tf.square(c), axis, true), eps)));
  }
  if (gamma) y = tf.mul(y, gamma);
  if (beta) y = tf.add(y, beta);
  return y;
}

/** Softmax attention with plain tf ops (tfjs's own gradients), optional bias, mask terms and dropout multiplier. */
function attentionFormula(
  q: tf.Tensor,
  k: tf.Tensor,
  v: tf.Tensor,
  scale: number,
  bias: tf.Tensor | null,
  masks: tf.Tensor[],
  mult: tf.Tensor | null,
): tf.Tensor {
  let s = tf.matMul(tf.mul(q, scale), k, false, true);
  if (bias) s = tf.add(s, bias);
  for (const m of masks) s = tf.add(s, m);
  let p = tf.softmax(s, -1);
  if (mult) p = tf.mul(p, mult);
  return tf.matMul(p, v);
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`fused training ops on ${backend}`, () => {
    beforeAll(async () => {
      await initBackend({ backend, threads: 1, quiet: true });
    });

    it('GELU (erf and tanh forms) equals the formula, values and gradient', () => {
      const x = rnd([4, 37], 1, 2);
      expectSameFunction(
        (a) => fusedGelu(a),
        (a) => geluFormula(a),
        [x],
      );
      expectSameFunction(
        (a) => fusedGeluTanh(a),
        (a) => geluNewFormula(a),
        [x],
      );
      x.dispose();
    });

    it('layer norm (with and without gamma/beta, RMS) equals the formula, values and gradients', () => {
      const x = tf.add(rnd([2, 5, 16], 2, 3), 0.7);
      const gamma = rnd([16], 3);
      const beta = rnd([16], 4);
      expectSameFunction(
        (a, g, b) => fusedLayerNorm(a, g, b, { epsilon: 1e-12 }),
        (a, g, b) => layerNormFormula(a, g, b, 1e-12, false),
        [x, gamma, beta],
      );
      expectSameFunction(
        (a) => fusedLayerNorm(a, null, null, { epsilon: 1e-5 }),
        (a) => layerNormFormula(a, null, null, 1e-5, false),
        [x],
      );
      expectSameFunction(
        (a, g) => fusedLayerNorm(a, g, null, { epsilon: 1e-6, rms: true }),
        (a, g) => layerNormFormula(a, g, null, 1e-6, true),
        [x, gamma],
      );
      tf.dispose([x, gamma, beta]);
    });

    it('feed-forward (gelu, gelu_new, relu; with and without biases) equals dense-act-dense', () => {
      const x = rnd([2, 6, 8], 5);
      const w1 = rnd([8, 24], 6, 0.5);
      const b1 = rnd([24], 7, 0.5);
      const w2 = rnd([24, 8], 8, 0.5);
      const b2 = rnd([8], 9, 0.5);
      const acts: Record<string, (h: tf.Tensor) => tf.Tensor> = {
        gelu: geluFormula,
        gelu_new: geluNewFormula,
        relu: (h) => tf.relu(h),
      };
      for (const [name, act] of Object.entries(acts)) {
        expectSameFunction(
          (a, k1, c1, k2, c2) =>
            fusedFeedForward(a, { innerKernel: k1, innerBias: c1, outerKernel: k2, outerBias: c2 }, name),
          (a, k1, c1, k2, c2) =>
            tf.add(tf.matMul(act(tf.add(tf.matMul(tf.reshape(a, [-1, 8]), k1), c1)), k2), c2).reshape(a.shape),
          [x, w1, b1, w2, b2],
        );
      }
      expectSameFunction(
        (a, k1, k2) =>
          fusedFeedForward(a, { innerKernel: k1, innerBias: null, outerKernel: k2, outerBias: null }, 'relu'),
        (a, k1, k2) => tf.matMul(tf.relu(tf.matMul(tf.reshape(a, [-1, 8]), k1)), k2).reshape(a.shape),
        [x, w1, w2],
      );
      tf.dispose([x, w1, b1, w2, b2]);
    });

    it('linear equals x W + b', () => {
      const x = rnd([3, 4, 8], 10);
      const w = rnd([8, 5], 11);
      const b = rnd([5], 12);
      expectSameFunction(
        (a, k, c) => linear(a, k, c),
        (a, k, c) => tf.add(tf.matMul(tf.reshape(a, [-1, 8]), k), c).reshape([3, 4, 5]),
        [x, w, b],
      );
      expectSameFunction(
        (a, k) => linear(a, k, null),
        (a, k) => tf.matMul(tf.reshape(a, [-1, 8]), k).reshape([3, 4, 5]),
        [x, w],
      );
      tf.dispose([x, w, b]);
    });

    it('softmax attention core equals the formula: padding mask, causal mask, trainable bias, dropout', () => {
      const [b, h, lq, lk, d] = [2, 3, 5, 7, 4];
      const q = rnd([b, h, lq, d], 13);
      const k = rnd([b, h, lk, d], 14);
      const v = rnd([b, h, lk, d], 15);
      const bias = rnd([1, h, lq, lk], 16);
      const keyMask = tf.tensor2d([
        [1, 1, 1, 1, 1, 0, 0],
        [1, 1, 1, 1, 1, 1, 1],
      ]);
      const pad = tf.tidy(() => tf.mul(tf.sub(1, tf.reshape(keyMask, [b, 1, 1, lk])), MASK_NEGATIVE));
      const causal = tf.tidy(() =>
        tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([lq, lk]), -1, lk - lq)), MASK_NEGATIVE),
      );
      const scale = 1 / Math.sqrt(d);
      // Without dropout, also against the layer's own kernel (same forward ops).
      tf.tidy(() => {
        const ref = softmaxAttention({ q, k, v, keyMask, bias, causal: true, scale, dropout: 0, training: false });
        expect(relDiff(fusedSoftmaxAttention(q, k, v, { scale, bias, masks: [pad, causal] }), ref)).toBeLessThan(1e-6);
      });
      expectSameFunction(
        (a, c, e, f) => fusedSoftmaxAttention(a, c, e, { scale, bias: f, masks: [pad, causal] }),
        (a, c, e, f) => attentionFormula(a, c, e, scale, f, [pad, causal], null),
        [q, k, v, bias],
      );
      expectSameFunction(
        (a, c, e) => fusedSoftmaxAttention(a, c, e, { scale: 1 }),
        (a, c, e) => attentionFormula(a, c, e, 1, null, [], null),
        [q, k, v],
      );
      // Dropout: the same seeded multiplier floor(u + keep) / keep on both sides.
      const rate = 0.3;
      const mult = tf.tidy(() =>
        tf.div(tf.floor(tf.add(tf.randomUniform([b, h, lq, lk], 0, 1, 'float32', 7), 1 - rate)), 1 - rate),
      );
      expectSameFunction(
        (a, c, e) => fusedSoftmaxAttention(a, c, e, { scale, masks: [pad], dropout: rate, seed: 7 }),
        (a, c, e) => attentionFormula(a, c, e, scale, null, [pad], mult),
        [q, k, v],
      );
      tf.dispose([q, k, v, bias, keyMask, pad, causal, mult]);
    });
  });
}

describe('shared Identity on wasm', () => {
  it('tf.clone shares the buffer after shareIdentityOnWasm (no new allocation)', async () => {
    await initBackend({ backend: 'wasm', threads: 1, quiet: true });
    expect(shareIdentityOnWasm()).toBe(true);
    const x = tf.tensor1d([1, 2, 3]);
    const ids = tf.backend().numDataIds();
    const y = tf.clone(x);
    expect(tf.backend().numDataIds()).toBe(ids);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3]);
    y.dispose();
  });
});
