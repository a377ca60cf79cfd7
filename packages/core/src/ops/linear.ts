/**
 * `x @ kernel + bias` for training: the same forward as {@link dense} (fused matmul + bias over the last
 * axis), with a gradient that transposes explicitly and frees its transposes at once (tidy-grad.ts).
 * The fused attention and feed-forward layers use it under a gradient tape.
 */
import * as tf from '@tensorflow/tfjs';
import { shareIdentityWhenTaping } from './shared-identity.ts';
import { tidyCustomGrad } from './tidy-grad.ts';

const withBias = tidyCustomGrad(([x2d, kernel, bias], save) => {
  save([x2d, kernel]);
  return {
    value: tf.fused.matMul({ a: x2d as tf.Tensor2D, b: kernel as tf.Tensor2D, bias }),
    gradFunc: (dy, [sx, sk]) => [tf.matMul(dy, tf.transpose(sk)), tf.matMul(tf.transpose(sx), dy), tf.sum(dy, 0)],
  };
});

const noBias = tidyCustomGrad(([x2d, kernel], save) => {
  save([x2d, kernel]);
  return {
    value: tf.matMul(x2d, kernel),
    gradFunc: (dy, [sx, sk]) => [tf.matMul(dy, tf.transpose(sk)), tf.matMul(tf.transpose(sx), dy)],
  };
});

/** `x @ kernel + bias` over the last axis of `x` (any rank >= 2), kernel `[in, out]`, bias `[out]` or null. */
export function linear(x: tf.Tensor, kernel: tf.Tensor, bias?: tf.Tensor | null): tf.Tensor {
  shareIdentityWhenTaping();
  return tf.tidy(() => {
    const inDim = x.shape[x.rank - 1] as number;
    const outDim = kernel.shape[1] as number;
    const x2d = x.rank === 2 ? x : tf.reshape(x, [-1, inDim]);
    const y = bias ? withBias(x2d, kernel, bias) : noBias(x2d, kernel);
    return x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), outDim]);
  });
}
