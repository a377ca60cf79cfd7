/**
 * Mask-aware pooling of token vectors into one sentence vector: what `embed --pooling` and sentence
 * encoders use. Padding never contributes.
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../errors.ts';

/** Pooling modes. `first-last-avg` averages the first and last layers' mean-pooled vectors. */
export type PoolingMode = 'cls' | 'mean' | 'max' | 'first-last-avg';

/** Mean over real tokens: Σ mask·h / Σ mask. `hidden` [B, L, D], `mask` [B, L]. */
export function maskedMean(hidden: tf.Tensor, mask: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const m = tf.expandDims(tf.cast(mask, 'float32'), -1);
    const total = tf.sum(tf.mul(hidden, m), 1);
    return tf.div(total, tf.maximum(tf.sum(m, 1), 1e-9));
  });
}

/** Max over real tokens (padding set to -inf first). */
export function maskedMax(hidden: tf.Tensor, mask: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const m = tf.expandDims(tf.cast(mask, 'float32'), -1);
    return tf.max(tf.add(hidden, tf.mul(tf.sub(1, m), -1e9)), 1);
  });
}

/**
 * Pools `[B, L, D]` hidden states to `[B, D]`. `first` (the first layer's output) is needed for
 * 'first-last-avg'.
 */
export function poolHidden(mode: PoolingMode, last: tf.Tensor, mask: tf.Tensor, first?: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    switch (mode) {
      case 'cls': {
        const [b, , d] = last.shape as number[];
        return tf.reshape(tf.slice(last, [0, 0, 0], [b, 1, d]), [b, d]);
      }
      case 'mean':
        return maskedMean(last, mask);
      case 'max':
        return maskedMax(last, mask);
      case 'first-last-avg':
        if (!first) throw new Bert4tfjsError(`pooling 'first-last-avg' needs the first layer's output`, 'bad-argument');
        return tf.div(tf.add(maskedMean(first, mask), maskedMean(last, mask)), 2);
      default:
        throw new Bert4tfjsError(
          `unknown pooling '${mode as string}' (expected cls, mean, max or first-last-avg)`,
          'bad-argument',
        );
    }
  });
}

/** L2-normalises rows of `[B, D]`. */
export function l2Normalize(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.div(x, tf.maximum(tf.norm(x, 2, -1, true), 1e-12)));
}
