/**
 * Batches as named tensors: what the trainer consumes, and a helper that builds one from plain arrays
 * (so callers need not import tfjs themselves).
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../../errors.ts';
import { describe } from '../losses/checks.ts';

/** A batch: tensors by name (`input_ids`, `attention_mask`, `labels`, ...), all with the batch on axis 0. */
export type TensorBatch = Record<string, tf.Tensor>;

/** Nested number arrays of any depth (a scalar per example, a sequence, a sequence of vectors, ...). */
export type NestedNumbers = number | NestedNumbers[];

/**
 * Builds a {@link TensorBatch} from nested arrays (rows must already have equal lengths: see
 * sequencePadding). dtype per key: `dtypes[key]`, else float32 for names ending in `mask` or for
 * non-integer data, else int32. The caller (usually the trainer) disposes the tensors.
 */
export function toTensorBatch(
  arrays: Record<string, NestedNumbers[]>,
  dtypes: Record<string, 'int32' | 'float32'> = {},
): TensorBatch {
  const out: TensorBatch = {};
  try {
    for (const [key, value] of Object.entries(arrays)) {
      if (!Array.isArray(value))
        throw new Bert4tfjsError(
          `toTensorBatch: '${key}' must be an array (one entry per example), got ${describe(value)}`,
          'bad-argument',
        );
      const shape = shapeOf(key, value);
      const flat = (value as unknown[]).flat(Infinity) as number[];
      const dtype =
        dtypes[key] ?? (key.endsWith('mask') || flat.some((x) => !Number.isInteger(x)) ? 'float32' : 'int32');
      out[key] = tf.tensor(flat, shape, dtype);
    }
  } catch (e) {
    tf.dispose(Object.values(out));
    throw e;
  }
  return out;
}

/** The shape of a nested array, checking that it is rectangular and holds only numbers. */
function shapeOf(key: string, value: NestedNumbers, path = ''): number[] {
  if (typeof value === 'number') return [];
  if (!Array.isArray(value))
    throw new Bert4tfjsError(`toTensorBatch: '${key}'${path} holds ${describe(value)}, not a number`, 'bad-argument');
  if (value.length === 0) return [0];
  const inner = shapeOf(key, value[0], `${path}[0]`);
  for (let i = 1; i < value.length; i++) {
    const s = shapeOf(key, value[i], `${path}[${i}]`);
    if (s.length !== inner.length || s.some((d, j) => d !== inner[j])) {
      throw new Bert4tfjsError(
        `toTensorBatch: '${key}'${path}[${i}] has shape [${s}] but ${path}[0] has [${inner}]; the batch is ragged, pad rows to one length first (sequencePadding)`,
        'bad-shape',
      );
    }
  }
  return [value.length, ...inner];
}
