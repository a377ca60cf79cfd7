/**
 * The four training objectives and how each scores a pair:
 * - cross-encoder: `[CLS] a [SEP] b [SEP]` -> pooler -> dropout -> classifier; softmax cross-entropy on
 *   binary labels (score = P(label 1); label smoothing, class weights or logit adjustment as asked),
 *   mean squared error on graded labels (score = the regression output);
 * - cross-encoder-cosent: the same sequence, a one-unit head, CoSENT on the raw scores ("CoSENT (3)":
 *   the batch's pairs ranked as their labels rank them; binary or graded labels; score = the head output);
 * - cosent: bi-encoder (shared BERT, mean pooling), CoSENT ranking loss on cos(a, b) for binary or graded labels;
 * - contrastive: bi-encoder trained SimCSE-supervised: positive pairs only, row i of `a` against every `b`
 *   of the batch (in-batch negatives). Score for both bi-encoders: cosine of the mean-pooled vectors.
 */
import { multiSampleLogits } from '../training/multi-sample-dropout.ts';
import * as tf from '@tensorflow/tfjs';
import {
  cosentLoss,
  crossEntropy,
  focalLoss,
  logitAdjustedCrossEntropy,
  inBatchContrastiveLoss,
  l2Normalize,
  maskedMean,
  type LossFn,
  type TensorBatch,
  type TrainerOptions,
} from '@bert4tfjs/core';
import type { TransformerModel } from '@bert4tfjs/models';
import type { Tokenizer } from '@bert4tfjs/tokenizers';
import type { LabelSchema, MatchingPair } from '../data/matching-files.ts';
import { Embedder, type EmbedPooling } from '../pipeline/embedder.ts';
import { isCrossEncoder, padSequences, type EncodedPair, type MatchingObjective } from './encode.ts';

/**
 * How the bi-encoders pool: the mean over real tokens (`maskedMean` in their losses), the toolkit's
 * default sentence pooling (`DEFAULT_SENTENCE_POOLING`), so `embed` / `similar` on a trained model agree
 * with training even without its bert4tfjs.json.
 */
export const BI_ENCODER_POOLING = 'mean' satisfies EmbedPooling;

/** Inverse temperature of the cosine scores in CoSENT and the contrastive loss (bert4keras / SimCSE use 20). */
export const COSINE_SCALE = 20;
/** Graded pairs at or above this score count as positives for the contrastive objective. */
export const GRADED_POSITIVE = 4;

/** Whether a pair is a positive example for the contrastive objective. */
export function isPositive(pair: MatchingPair, schema: LabelSchema): boolean {
  return schema === 'binary' ? pair.label === 1 : pair.label >= GRADED_POSITIVE;
}

/** The trainer options that say what to train and on which loss. */
export type TargetOptions = Pick<
  TrainerOptions,
  'model' | 'loss' | 'inputs' | 'variables' | 'lossFn' | 'microBatch' | 'memoryBudget'
>;

/** The loss options of a cross-encoder run (from the training controls). */
export interface CrossEncoderLossOptions {
  labelSmoothing: number;
  /** Per-class weights of the cross-entropy, or null. */
  classWeights: number[] | null;
  /** Logit adjustment: τ and the training class priors, or null. */
  logitAdjust: { tau: number; priors: number[] } | null;
  /** Dropout samples of the pooled vector through the classifier, averaged (1: the model's own head). */
  multiSampleDropout: number;
}

/** Plain cross-entropy, no multi-sample dropout. */
export const PLAIN_LOSS: CrossEncoderLossOptions = {
  labelSmoothing: 0,
  classWeights: null,
  logitAdjust: null,
  multiSampleDropout: 1,
};

/** Cross-entropy on binary labels as the options ask (weighted, logit-adjusted, smoothed). */
function binaryLoss(labels: tf.Tensor, logits: tf.Tensor, o: CrossEncoderLossOptions): tf.Scalar {
  // Weighted CE is focal loss with γ = 0 and α = the class weights.
  if (o.classWeights) return focalLoss(labels, logits, { sparse: true, gamma: 0, alpha: o.classWeights });
  if (o.logitAdjust)
    return logitAdjustedCrossEntropy(labels, logits, {
      sparse: true,
      priors: o.logitAdjust.priors,
      tau: o.logitAdjust.tau,
      labelSmoothing: o.labelSmoothing,
    });
  return crossEntropy(labels, logits, { sparse: true, labelSmoothing: o.labelSmoothing });
}

/** Mean-pooled sentence vectors of the `prefix`-keyed inputs of a batch (training or inference mode). */
function encodeSide(built: TransformerModel, batch: TensorBatch, prefix: string, training: boolean): tf.Tensor {
  const feeds = built.inputNames.map((n) => batch[`${prefix}${n}`]);
  const out = built.model.apply(feeds, { training }) as tf.Tensor | tf.Tensor[];
  const last = Array.isArray(out) ? out[built.outputNames.indexOf('last_hidden_state')] : out;
  return maskedMean(last, batch[`${prefix}attention_mask`]);
}

/** Trainer options for `objective` on `schema` labels. */
export function targetFor(
  built: TransformerModel,
  objective: MatchingObjective,
  schema: LabelSchema,
  lossOptions: CrossEncoderLossOptions = PLAIN_LOSS,
): TargetOptions {
  if (isCrossEncoder(objective)) {
    const logitsAt = built.outputNames.indexOf('logits');
    const hiddenAt = built.outputNames.indexOf('last_hidden_state');
    const k = lossOptions.multiSampleDropout;
    const lossOf = (logits: tf.Tensor, labels: tf.Tensor): tf.Scalar =>
      objective === 'cross-encoder-cosent'
        ? cosentLoss(labels, tf.reshape(logits, [-1]), { scale: 1 })
        : schema === 'binary'
          ? binaryLoss(labels, logits, lossOptions)
          : (tf.mean(tf.square(tf.sub(tf.reshape(logits, [-1]), labels))) as tf.Scalar);
    return {
      model: built.model,
      inputs: ['input_ids', 'token_type_ids', 'attention_mask'],
      loss: (outputs, batch) => {
        if (k <= 1) return lossOf(outputs[logitsAt], batch.labels);
        const losses = multiSampleLogits(built, outputs[hiddenAt], k).map((l) => lossOf(l, batch.labels));
        return tf.div(tf.addN(losses), k) as tf.Scalar;
      },
      // CoSENT ranks the batch's pairs against each other: a micro-batch split would change the loss.
      ...(objective === 'cross-encoder-cosent' ? { microBatch: 'off' as const } : {}),
    };
  }
  const variables: Record<string, tf.Variable> = {};
  for (const w of built.model.trainableWeights)
    variables[w.originalName in variables ? w.name : w.originalName] = w.read() as tf.Variable;
  const lossFn: LossFn = (batch, training) => {
    const a = encodeSide(built, batch, 'a_', training);
    const b = encodeSide(built, batch, 'b_', training);
    if (objective === 'contrastive') return inBatchContrastiveLoss(a, b, { scale: COSINE_SCALE });
    const cos = tf.sum(tf.mul(l2Normalize(a), l2Normalize(b)), -1);
    return cosentLoss(batch.labels, cos, { scale: COSINE_SCALE });
  };
  // CoSENT and in-batch negatives compare rows across the whole batch: a micro-batch split would change
  // the loss, so the planner may not split; it still checks the step fits the memory budget.
  return { variables, lossFn, microBatch: 'off' };
}

/** Cross-encoder scores: P(label 1) from a 2-class head, else the head's raw output (regression, CoSENT). */
export function crossEncoderScores(
  built: TransformerModel,
  encoded: readonly EncodedPair[],
  schema: LabelSchema,
  batchSize = 64,
): number[] {
  const logitsAt = built.outputNames.indexOf('logits');
  const scores: number[] = [];
  for (let s = 0; s < encoded.length; s += batchSize) {
    const rows = padSequences(encoded.slice(s, s + batchSize).map((e) => e.joint!));
    const out = tf.tidy(() => {
      const feeds = [
        tf.tensor2d(rows.input_ids, undefined, 'int32'),
        tf.tensor2d(rows.token_type_ids, undefined, 'int32'),
        tf.tensor2d(rows.attention_mask, undefined, 'float32'),
      ];
      const all = built.model.predict(feeds) as tf.Tensor | tf.Tensor[];
      const logits = Array.isArray(all) ? all[logitsAt] : all;
      return schema === 'binary' && logits.shape[logits.shape.length - 1] === 2
        ? tf.reshape(tf.slice(tf.softmax(logits), [0, 1], [-1, 1]), [-1])
        : tf.reshape(logits, [-1]);
    });
    scores.push(...(out.dataSync() as Float32Array));
    out.dispose();
  }
  return scores;
}

/** Bi-encoder scores: cosine of the mean-pooled, normalised vectors, computed by the same Embedder `embed` uses. */
export function biEncoderScores(
  built: TransformerModel,
  tokenizer: Tokenizer,
  pairs: readonly MatchingPair[],
  maxLength: number,
  batchSize = 64,
): number[] {
  const embedder = new Embedder(built, tokenizer, {
    pooling: BI_ENCODER_POOLING,
    normalize: true,
    maxLength,
    batchSize,
  });
  const va = embedder.embed(pairs.map((p) => ({ text: p.a })));
  const vb = embedder.embed(pairs.map((p) => ({ text: p.b })));
  return va.map((x, i) => {
    let dot = 0;
    for (let k = 0; k < x.length; k++) dot += x[k] * vb[i][k];
    return dot;
  });
}

/** Scores pairs with a trained model of `objective`. */
export function scorePairs(
  built: TransformerModel,
  tokenizer: Tokenizer,
  objective: MatchingObjective,
  schema: LabelSchema,
  pairs: readonly MatchingPair[],
  encoded: readonly EncodedPair[],
  maxLength: number,
): number[] {
  return isCrossEncoder(objective)
    ? crossEncoderScores(built, encoded, schema)
    : biEncoderScores(built, tokenizer, pairs, maxLength);
}
