/**
 * Language-model training and evaluation for Transformer-XL over one long token stream: the stream is
 * cut into B parallel rows, read in windows of L tokens, and each window's memories feed the next
 * (the "segment-level recurrence" of the paper); gradients stop at the segment boundary.
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '@bert4tfjs/core';
import type { TransfoXlStep } from './step.ts';

/** One window of the stream: `targets[b][t]` is the token after `inputs[b][t]`. */
export interface LmBatch {
  inputs: number[][];
  targets: number[][];
}

/**
 * Cuts `stream` into `batchSize` rows of n = floor(length / batchSize) tokens (row b = tokens
 * [b·n, (b+1)·n)) and returns consecutive windows of `tgtLen` (the last may be shorter). Window k+1 of
 * a row continues window k's text, so memories carry from one window to the next.
 */
export function lmBatches(stream: ArrayLike<number>, batchSize: number, tgtLen: number): LmBatch[] {
  if (!(Number.isInteger(batchSize) && batchSize >= 1 && Number.isInteger(tgtLen) && tgtLen >= 1)) {
    throw new Bert4tfjsError(
      `lmBatches: batchSize (${batchSize}) and tgtLen (${tgtLen}) must be integers >= 1`,
      'bad-argument',
    );
  }
  const rowLen = Math.floor(stream.length / batchSize);
  if (rowLen < 2) {
    throw new Bert4tfjsError(
      `lmBatches: a stream of ${stream.length} tokens is too short for ${batchSize} rows (need at least 2 tokens per row)`,
      'bad-argument',
    );
  }
  const rows = Array.from({ length: batchSize }, (_, b) =>
    Array.from({ length: rowLen }, (_, t) => stream[b * rowLen + t]),
  );
  const out: LmBatch[] = [];
  for (let start = 0; start < rowLen - 1; start += tgtLen) {
    const len = Math.min(tgtLen, rowLen - 1 - start);
    out.push({
      inputs: rows.map((r) => r.slice(start, start + len)),
      targets: rows.map((r) => r.slice(start + 1, start + 1 + len)),
    });
  }
  return out;
}

/** Mean next-token cross-entropy of `logits` [B, L, V] against integer `targets` [B, L]. */
export function lmCrossEntropy(logits: tf.Tensor, targets: number[][] | tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const vocab = logits.shape[2] as number;
    const t = targets instanceof tf.Tensor ? tf.cast(targets, 'int32') : tf.tensor2d(targets, undefined, 'int32');
    if (t.shape[0] !== logits.shape[0] || t.shape[1] !== logits.shape[1]) {
      throw new Bert4tfjsError(
        `lmCrossEntropy: targets [${t.shape}] do not match logits [${logits.shape}]`,
        'bad-shape',
      );
    }
    const lp = tf.logSoftmax(logits);
    const picked = tf.sum(tf.mul(lp, tf.oneHot(t, vocab)), -1);
    return tf.neg(tf.mean(picked)) as tf.Scalar;
  });
}

/** Options of {@link trainLmStep}. */
export interface TrainLmStepOptions {
  /** Clip gradients to this global norm (the paper uses 0.25); none when absent. */
  clipNorm?: number;
  /** Variables to train (default: every trainable weight of `model`). */
  variables?: tf.Variable[];
}

/** Scales `grads` so their global L2 norm is at most `maxNorm`. Disposes what it replaces. */
function clipByGlobalNorm(grads: tf.NamedTensorMap, maxNorm: number): tf.NamedTensorMap {
  const norm = tf.tidy(() => tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g))))).dataSync()[0]);
  if (!(norm > maxNorm)) return grads;
  const scaled: tf.NamedTensorMap = {};
  for (const [k, g] of Object.entries(grads)) {
    scaled[k] = tf.mul(g, maxNorm / norm);
    g.dispose();
  }
  return scaled;
}

/**
 * One optimizer step on `batch` after memories `mems` (null at the start of the stream), with dropout
 * on. Returns the loss and the memories for the next batch (the caller disposes them; `mems` passed in
 * are not disposed). Memories are outputs of the forward pass only, so no gradient reaches earlier
 * segments.
 */
export function trainLmStep(
  step: TransfoXlStep,
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  batch: LmBatch,
  mems: tf.Tensor[] | null,
  options: TrainLmStepOptions = {},
): { loss: number; mems: tf.Tensor[] } {
  const variables = options.variables ?? model.trainableWeights.map((w) => w.read() as tf.Variable);
  let next: tf.Tensor[] = [];
  const { value, grads } = tf.variableGrads(() => {
    const r = step(batch.inputs, mems, { training: true });
    if (!r.logits)
      throw new Bert4tfjsError(
        'trainLmStep: the model was built without the LM head (withLmHead: false)',
        'bad-argument',
      );
    next = r.mems.map((m) => tf.keep(m));
    return lmCrossEntropy(r.logits, batch.targets);
  }, variables);
  const clipped = options.clipNorm ? clipByGlobalNorm(grads, options.clipNorm) : grads;
  optimizer.applyGradients(clipped);
  tf.dispose(Object.values(clipped));
  const loss = value.dataSync()[0];
  value.dispose();
  return { loss, mems: next };
}

/**
 * Mean loss (inference mode) over `batches` in order. With `carryMemory` each batch sees the previous
 * batches' memories; without, every batch starts a fresh (zero) memory.
 */
export function evaluateLm(
  step: TransfoXlStep,
  batches: LmBatch[],
  options: { carryMemory?: boolean; mems?: tf.Tensor[] | null } = {},
): number {
  const carry = options.carryMemory ?? true;
  let mems: tf.Tensor[] | null = options.mems ?? null;
  let owned = false;
  let total = 0;
  let count = 0;
  try {
    for (const batch of batches) {
      const r = step(batch.inputs, carry ? mems : null);
      const n = batch.targets.length * batch.targets[0].length;
      if (!r.logits)
        throw new Bert4tfjsError(
          'evaluateLm: the model was built without the LM head (withLmHead: false)',
          'bad-argument',
        );
      const loss = lmCrossEntropy(r.logits, batch.targets);
      total += loss.dataSync()[0] * n;
      count += n;
      tf.dispose([loss, r.hidden, r.logits]);
      if (owned && mems) tf.dispose(mems);
      mems = r.mems;
      owned = true;
    }
  } finally {
    if (owned && mems) tf.dispose(mems);
  }
  return total / count;
}

/** Options of {@link createLmTrainer}. */
export interface LmTrainerOptions extends TrainLmStepOptions {
  /** Adam learning rate when no optimizer is given (default 1e-3). */
  learningRate?: number;
  /** Any tfjs optimizer (default: Adam with `learningRate`). */
  optimizer?: tf.Optimizer;
}

/** A trainer that carries memories from batch to batch of one stream. */
export interface LmTrainer {
  /** One optimizer step on the next window of the stream; returns its loss. */
  train(batch: LmBatch): number;
  /** Forgets the memories (call when a new stream, e.g. a new epoch, starts). */
  resetMemory(): void;
  /** Frees the memories and the optimizer (when it created it). */
  dispose(): void;
}

/** Wraps {@link trainLmStep} with memory bookkeeping (and an Adam optimizer unless one is given). */
export function createLmTrainer(step: TransfoXlStep, model: tf.LayersModel, options: LmTrainerOptions = {}): LmTrainer {
  const optimizer = options.optimizer ?? tf.train.adam(options.learningRate ?? 1e-3);
  let mems: tf.Tensor[] | null = null;
  const reset = () => {
    if (mems) tf.dispose(mems);
    mems = null;
  };
  return {
    train(batch) {
      const r = trainLmStep(step, model, optimizer, batch, mems, options);
      reset();
      mems = r.mems;
      return r.loss;
    },
    resetMemory: reset,
    dispose() {
      reset();
      if (!options.optimizer) optimizer.dispose();
    },
  };
}
