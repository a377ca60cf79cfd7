/**
 * Helpers for the model's decoding cache: the default reorder (gather along the hypothesis axis)
 * and disposal of a replaced cache that spares tensors the new cache still uses.
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../errors.ts';

/** Walks arrays, Maps and plain objects, collecting every tensor found (cycles are ignored). */
export function collectTensors(
  value: unknown,
  into: Set<tf.Tensor> = new Set(),
  seen: Set<object> = new Set(),
): Set<tf.Tensor> {
  if (value instanceof tf.Tensor) {
    into.add(value);
    return into;
  }
  if (value === null || typeof value !== 'object' || seen.has(value)) return into;
  seen.add(value);
  const children = value instanceof Map ? value.values() : Array.isArray(value) ? value : Object.values(value);
  for (const child of children) collectTensors(child, into, seen);
  return into;
}

/**
 * Disposes every tensor of `old` that `keep` does not also hold, so a step or reorder may pass
 * tensors through unchanged (e.g. a cache entry it did not touch) without them being freed.
 */
export function disposeReplaced(old: unknown, keep: unknown): void {
  if (old === null || old === undefined) return;
  const kept = collectTensors(keep);
  for (const t of collectTensors(old)) if (!kept.has(t) && !t.isDisposed) t.dispose();
}

function gatherTree(value: unknown, indices: tf.Tensor1D, path: string): unknown {
  if (value instanceof tf.Tensor) {
    if (value.rank === 0) {
      throw new Bert4tfjsError(
        `reorderState: state${path} is a scalar tensor; expected a hypothesis axis first`,
        'bad-argument',
      );
    }
    return tf.gather(value, indices, 0);
  }
  if (Array.isArray(value)) return value.map((v, i) => gatherTree(v, indices, `${path}[${i}]`));
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = gatherTree(v, indices, `${path}.${k}`);
    return out;
  }
  // Numbers, strings and the like carry no per-hypothesis rows.
  return value;
}

/**
 * The default `reorderState`: for a tensor, or nested arrays/plain records of tensors, gathers
 * rows `indices` along axis 0 of every tensor (the hypothesis axis). Other values are kept as is.
 * Does not dispose the input.
 */
export function defaultReorderState<S>(state: S, indices: number[]): S {
  // tidy frees the index tensor, and any partial result if a scalar tensor makes us throw.
  return tf.tidy(() => gatherTree(state, tf.tensor1d(indices, 'int32'), '') as tf.TensorContainer) as S;
}
