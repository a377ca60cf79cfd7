/**
 * Embedding lookup with a gradient that exists on every backend. tfjs's `gather` gradient needs
 * UnsortedSegmentSum, which the wasm backend lacks; scatterND (which sums duplicate indices) has a kernel
 * everywhere.
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../errors.ts';

type GradFunc = Parameters<typeof tf.customGrad>[0];

/**
 * Rows of `table` at `ids`. On wasm, GatherV2 copies element by element through generic index arithmetic
 * (~100 ns per float: ~0.1 s for 1024 rows of 768), while GatherNd copies whole rows; it does not check
 * the ids, so they are range-checked here first (the ids are small, the check is cheap).
 */
function gatherRows(table: tf.Tensor, ids: tf.Tensor): tf.Tensor {
  if (tf.getBackend() !== 'wasm') return tf.gather(table, ids);
  const rows = table.shape[0] as number;
  const values = ids.dataSync();
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= 0 && v < rows))
      throw new Bert4tfjsError(`embedding lookup: id ${v} is not in [0, ${rows - 1}]`, 'bad-input');
  }
  return tf.gatherND(table, tf.expandDims(ids, -1));
}

const lookup = tf.customGrad(((table: tf.Tensor, ids: tf.Tensor, save: tf.GradSaveFunc) => {
  save([ids]);
  const tableShape = table.shape;
  return {
    value: gatherRows(table, ids),
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
