// Masked losses must be differentiable (they are what fine-tuning minimises): the gradient of a masked
// sparse cross-entropy w.r.t. the logits equals (softmax − onehot)·mask / Σmask, computed here by hand.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { crossEntropy } from '../src/train/losses/index.ts';

describe('loss gradients', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('masked sparse cross-entropy has the analytic gradient', () => {
    const logits = [
      [1, 2, 0.5],
      [0.1, -1, 2],
      [3, 0, 0],
    ];
    const labels = [2, 0, 1];
    const mask = [1, 0, 1];
    const g = tf.grad((z: tf.Tensor) => crossEntropy(tf.tensor1d(labels, 'int32'), z, { mask: tf.tensor1d(mask) }))(
      tf.tensor2d(logits),
    );
    const got = g.arraySync() as number[][];
    const total = mask.reduce((a, b) => a + b, 0);
    logits.forEach((row, i) => {
      const e = row.map(Math.exp);
      const s = e.reduce((a, b) => a + b, 0);
      row.forEach((_, c) => {
        const want = ((e[c] / s - (c === labels[i] ? 1 : 0)) * mask[i]) / total;
        expect(Math.abs(got[i][c] - want)).toBeLessThan(1e-6);
      });
    });
    g.dispose();
  });

  it('a fully masked batch gives loss 0 and zero gradient', () => {
    const z = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const loss = crossEntropy(tf.tensor1d([0, 1], 'int32'), z, { mask: tf.tensor1d([0, 0]) });
    expect(loss.dataSync()[0]).toBe(0);
    const g = tf.grad((x: tf.Tensor) => crossEntropy(tf.tensor1d([0, 1], 'int32'), x, { mask: tf.tensor1d([0, 0]) }))(
      z,
    );
    expect(Array.from(g.dataSync()).every((v) => v === 0)).toBe(true);
  });
});
