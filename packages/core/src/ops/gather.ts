/**
 * Embedding lookup with a gradient that exists on every backend. tfjs's `gather` gradient needs
 * UnsortedSegmentSum, which the wasm backend lacks; scatterND (which sums duplicate indices) has a kernel
 * everywhere.
 */
import * as tf from '@tensorflow/tfjs';

type GradFunc = Parameters<typeof tf.customGrad>[0];

const lookup = tf.customGrad(((table: tf.Tensor, ids: tf.Tensor, save: tf.GradSaveFunc) => {
  save([ids]);
  const tableShape = table.shape;
  return {
    value: tf.gather(table, ids),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sids] = saved;
      const dim = tableShape[1] as number;
      const flatIds = tf.reshape(sids, [-1, 1]);
      const flatDy = tf.reshape(dy, [-1, dim]);
      return [tf.scatterND(flatIds, flatDy, tableShape), tf.zerosLike(sids)];
    },
  };
}) as unknown as GradFunc);

/** Rows of `table` ([vocab, dim]) at integer `ids` (any shape) -> `[...ids.shape, dim]`. */
export function embeddingLookup(table: tf.Tensor, ids: tf.Tensor): tf.Tensor {
  return tf.tidy(() => lookup(table, ids.dtype === 'int32' ? ids : tf.cast(ids, 'int32')) as tf.Tensor);
}
