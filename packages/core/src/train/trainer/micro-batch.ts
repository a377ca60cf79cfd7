/**
 * Batch arithmetic for micro-batching: batch size, sequence length, token count and slices along axis 0.
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../../errors.ts';
import type { TensorBatch } from '../data/tensor-batch.ts';

/** Examples in a batch (axis 0, which every tensor must share). */
export function batchSizeOf(batch: TensorBatch): number {
  const entries = Object.entries(batch);
  if (entries.length === 0) throw new Bert4tfjsError('Trainer: a batch has no tensors', 'bad-input');
  let n: number | null = null;
  for (const [k, t] of entries) {
    if (!(t instanceof tf.Tensor))
      throw new Bert4tfjsError(
        `Trainer: batch entry '${k}' is not a tf.Tensor (use toTensorBatch in the generator's collate)`,
        'bad-input',
      );
    if (t.rank === 0)
      throw new Bert4tfjsError(
        `Trainer: batch entry '${k}' is a scalar; every entry needs the batch on axis 0`,
        'bad-shape',
      );
    if (n === null) n = t.shape[0];
    else if (t.shape[0] !== n)
      throw new Bert4tfjsError(`Trainer: batch entry '${k}' has ${t.shape[0]} rows but others have ${n}`, 'bad-shape');
  }
  if (n === 0) throw new Bert4tfjsError('Trainer: a batch has 0 examples', 'empty-dataset');
  return n!;
}

/** The sequence length of a batch: axis 1 of `key` (default input_ids, else the first tensor of rank >= 2), or 1. */
export function seqLenOf(batch: TensorBatch, key?: string): number {
  const t = key !== undefined ? batch[key] : (batch.input_ids ?? Object.values(batch).find((x) => x.rank >= 2));
  return t !== undefined && t.rank >= 2 ? (t.shape[1] ?? 1) : 1;
}

/** Tokens in a batch: the sum of attention_mask, else the size of input_ids; null when neither exists. */
export function defaultTokenCount(batch: TensorBatch): number | null {
  if (batch.attention_mask !== undefined) return tf.tidy(() => batch.attention_mask.sum().dataSync()[0]);
  if (batch.input_ids !== undefined) return batch.input_ids.size;
  return null;
}

/** Rows [start, start + size) of every tensor (new tensors; the caller disposes them). */
export function sliceBatch(batch: TensorBatch, start: number, size: number): TensorBatch {
  const out: TensorBatch = {};
  for (const [k, t] of Object.entries(batch)) {
    const begin = t.shape.map((_, i) => (i === 0 ? start : 0));
    const extent = t.shape.map((d, i) => (i === 0 ? size : d));
    out[k] = tf.slice(t, begin, extent);
  }
  return out;
}
