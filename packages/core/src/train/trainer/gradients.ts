/**
 * Loss and gradients of one batch, over micro-batches: each micro-batch's gradients are weighted by its
 * share of the examples (n_i / n) and summed, which for a loss that is a mean over examples equals the
 * gradient of the whole batch. Also a dry run that measures a step's peak buffer bytes.
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../../errors.ts';
import type { TensorBatch } from '../data/tensor-batch.ts';
import { sliceBatch } from './micro-batch.ts';
import { trackPeakBytes } from './peak-memory.ts';
import type { TrainTarget } from './target.ts';

/** Loss and gradients of one batch. */
export interface BatchGradients {
  /** Mean loss over the batch (the weighted mean of the micro-batch losses). */
  loss: number;
  /** Gradients by the target's variable keys; the caller disposes them. */
  grads: Map<string, tf.Tensor>;
  /** Global L2 norm of the gradients (NaN or Infinity when they are not finite). */
  gradNorm: number;
}

function lossAndGrads(
  target: TrainTarget,
  batch: TensorBatch,
  training: boolean,
): { value: tf.Scalar; grads: Map<string, tf.Tensor> } {
  const vars = [...target.trainable.values()];
  const keyOf = new Map([...target.trainable].map(([k, v]) => [v.name, k]));
  let result: { value: tf.Scalar; grads: tf.NamedTensorMap };
  try {
    result = tf.variableGrads(() => {
      const loss = target.loss(batch, training);
      if (!(loss instanceof tf.Tensor) || loss.rank !== 0) {
        throw new Bert4tfjsError(
          `Trainer: the loss must return a scalar tf.Tensor, got ${loss instanceof tf.Tensor ? `shape [${loss.shape}]` : typeof loss}`,
          'bad-loss',
        );
      }
      return loss;
    }, vars);
  } catch (e) {
    freeAbandonedTape();
    throw e;
  }
  const { value, grads } = result;
  const out = new Map<string, tf.Tensor>();
  for (const [name, g] of Object.entries(grads)) out.set(keyOf.get(name)!, g);
  return { value, grads: out };
}

/**
 * When the loss throws (bad labels, say), tfjs abandons its gradient tape with the tensors its kernels
 * saved for the backward pass still kept; free them so a rejected step leaks nothing.
 */
function freeAbandonedTape(): void {
  const state = tf.engine().state as unknown as { gradientDepth: number; activeTape?: { saved?: tf.Tensor[] }[] };
  if (state.gradientDepth !== 0 || !state.activeTape) return;
  for (const node of state.activeTape) for (const t of node.saved ?? []) t.dispose();
  state.activeTape = [];
}

/**
 * Loss and gradients of `batch` split into micro-batches of the given sizes (one size: no split).
 * Nothing is left allocated but the returned gradients.
 */
export function batchGradients(target: TrainTarget, batch: TensorBatch, sizes: readonly number[]): BatchGradients {
  const total = sizes.reduce((a, b) => a + b, 0);
  let acc: Map<string, tf.Tensor> | null = null;
  let loss = 0;
  let start = 0;
  try {
    for (const size of sizes) {
      const micro = sizes.length === 1 ? batch : sliceBatch(batch, start, size);
      start += size;
      try {
        const { value, grads } = lossAndGrads(target, micro, true);
        const w = size / total;
        loss += value.dataSync()[0] * w;
        value.dispose();
        if (sizes.length === 1) {
          acc = grads;
          continue;
        }
        const prev: Map<string, tf.Tensor> = acc ?? new Map();
        // One variable at a time, so only one extra gradient-sized tensor is alive at once.
        for (const [k, g] of grads) {
          const old = prev.get(k);
          prev.set(
            k,
            tf.tidy(() => (old === undefined ? g.mul(w) : old.add(g.mul(w)))),
          );
          old?.dispose();
          g.dispose();
        }
        acc = prev;
      } finally {
        if (micro !== batch) tf.dispose(Object.values(micro));
      }
    }
  } catch (e) {
    if (acc) tf.dispose([...acc.values()]);
    throw e;
  }
  const grads = acc ?? new Map<string, tf.Tensor>();
  return { loss, grads, gradNorm: globalNorm(grads) };
}

/** Global L2 norm of a set of gradients (0 for none). */
export function globalNorm(grads: ReadonlyMap<string, tf.Tensor>): number {
  if (grads.size === 0) return 0;
  return tf.tidy(
    () =>
      tf
        .addN([...grads.values()].map((g) => g.square().sum()))
        .sqrt()
        .dataSync()[0],
  );
}

/**
 * Peak bytes of new tensor buffers while computing the loss and gradients of the first `n` examples of
 * `batch` (forward, backward and the gradients; each buffer counted once, see peak-memory.ts).
 * Nothing is kept and no variable changes.
 */
export function measureStepBytes(target: TrainTarget, batch: TensorBatch, n: number): number {
  const micro = sliceBatch(batch, 0, n);
  try {
    return trackPeakBytes(() => {
      const { value, grads } = lossAndGrads(target, micro, true);
      value.dispose();
      tf.dispose([...grads.values()]);
    }).peakBytes;
  } finally {
    tf.dispose(Object.values(micro));
  }
}
