// The wasm inference fast paths (per-slice batched matmul, row gather for embeddings) give the values of
// the plain ops, fall back under a gradient tape, and keep the out-of-range id error.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/index.ts';
import { batchMatMul, embeddingLookup, matMul } from '../src/ops/index.ts';

delete process.env.BERT4TFJS_BACKEND;
delete process.env.BERT4TFJS_THREADS;

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

describe('wasm fast paths', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', threads: 1, quiet: true });
  });

  it('batchMatMul equals matMul, with and without transposeB, small, large and batch-of-one products', () => {
    tf.tidy(() => {
      // 128 x 64 x 64 multiply-adds per product: large enough for the per-slice path.
      const a = tf.randomNormal([2, 3, 128, 64], 0, 1, 'float32', 1);
      const b = tf.randomNormal([2, 3, 64, 64], 0, 1, 'float32', 2);
      const bt = tf.randomNormal([2, 3, 64, 64], 0, 1, 'float32', 3);
      const before = tf.memory().numTensors;
      const y = batchMatMul(a, b);
      expect(tf.memory().numTensors).toBe(before + 1);
      expect(y.shape).toEqual([2, 3, 128, 64]);
      expect(maxDiff(y, matMul(a, b))).toBeLessThan(1e-4);
      expect(maxDiff(batchMatMul(a, bt, true), matMul(a, bt, false, true))).toBeLessThan(1e-4);
      const small = tf.randomNormal([2, 3, 5, 4], 0, 1, 'float32', 8);
      const smallB = tf.randomNormal([2, 3, 4, 6], 0, 1, 'float32', 9);
      expect(maxDiff(batchMatMul(small, smallB), tf.matMul(small, smallB))).toBeLessThan(1e-5);
      const one = tf.randomNormal([1, 1, 5, 4], 0, 1, 'float32', 4);
      expect(
        maxDiff(
          batchMatMul(one, tf.slice(smallB, [0, 0, 0, 0], [1, 1, 4, 6])),
          tf.matMul(one, tf.slice(smallB, [0, 0, 0, 0], [1, 1, 4, 6])),
        ),
      ).toBeLessThan(1e-5);
    });
  });

  it('batchMatMul is exactly matMul under a gradient tape', () => {
    tf.tidy(() => {
      const a = tf.randomNormal([2, 2, 128, 64], 0, 1, 'float32', 5);
      const b = tf.randomNormal([2, 2, 64, 64], 0, 1, 'float32', 6);
      const f = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(batchMatMul(x, y, true)));
      const g = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.square(matMul(x, y, false, true)));
      const [ga, gb] = tf.grads(f)([a, b]);
      const [ea, eb] = tf.grads(g)([a, b]);
      expect(maxDiff(ga, ea)).toBe(0);
      expect(maxDiff(gb, eb)).toBe(0);
    });
  });

  it('embeddingLookup gathers whole rows, equal to tf.gather, and rejects bad ids', () => {
    tf.tidy(() => {
      const table = tf.randomNormal([50, 8], 0, 1, 'float32', 7);
      const ids = tf.tensor2d(
        [
          [0, 49, 3],
          [7, 7, 1],
        ],
        [2, 3],
        'int32',
      );
      expect(maxDiff(embeddingLookup(table, ids), tf.gather(table, ids))).toBe(0);
      expect(() => embeddingLookup(table, tf.tensor1d([50], 'int32'))).toThrow(/not in \[0, 49\]/);
      const g = tf.grad((t: tf.Tensor) => tf.sum(embeddingLookup(t, ids)))(table);
      expect(g.shape).toEqual([50, 8]);
      expect(tf.sum(g).dataSync()[0]).toBeCloseTo(6 * 8, 4);
    });
  });
});
