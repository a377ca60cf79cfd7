/**
 * Shared types for autoregressive decoding. The decoder is model-agnostic: a model plugs in by
 * supplying a step function (and, when its cache is not a plain array/record of tensors, a way to
 * reorder that cache).
 */
import type * as tf from '@tensorflow/tfjs';

/**
 * What a step function returns: scores for the next token of every live hypothesis, plus the
 * model's cache for the next step. Give exactly one of `logits` or `logProbs`, shape
 * [hypotheses, vocab]. The decoder takes ownership of every tensor returned: it disposes the
 * scores once read and the state once it is replaced.
 */
export interface StepOutput<S> {
  /** Unnormalised next-token scores, [hypotheses, vocab]. */
  logits?: tf.Tensor2D;
  /** Next-token log-probabilities, [hypotheses, vocab]. */
  logProbs?: tf.Tensor2D;
  /** The cache to hand back on the next step (omit or null for a stateless model). */
  state?: S | null;
}

/**
 * One decoding step. `outputIds` holds one row per live hypothesis: the start id (when the decoder
 * has one) followed by every token generated so far. `state` is what the previous step returned,
 * already reordered so that its row i belongs to hypothesis i (null on the first step).
 * `inputIndex[i]` is the input that hypothesis i belongs to, so the model can pick its per-input
 * context (e.g. encoder outputs). The step may ignore `state` and recompute from scratch.
 * The step must not dispose `state`: the decoder does that when it is replaced.
 */
export type StepFn<S> = (
  outputIds: number[][],
  state: S | null,
  inputIndex: number[],
) => StepOutput<S> | Promise<StepOutput<S>>;

/**
 * Returns the cache rearranged so that its row j is the old row `indices[j]` (rows may repeat or
 * vanish). Must not dispose `state`: the decoder disposes whatever of it the result does not reuse.
 */
export type ReorderStateFn<S> = (state: S, indices: number[]) => S;

/**
 * Restricts which tokens may come next. `prefix` is the generated tokens so far (no start id);
 * the result lists the allowed next ids (end id included when ending is allowed). Every other id
 * gets probability zero. An empty list means the hypothesis cannot go on.
 */
export interface Constraint {
  allowedNext(prefix: readonly number[], inputIndex: number): readonly number[];
}

/** One decoded sequence. */
export interface Hypothesis {
  /**
   * Generated ids: no start id and no final end id. With `minEnds > 1` the earlier end ids stay
   * in, as separators.
   */
  tokens: number[];
  /** Sum of the model's log-probabilities of every generated token, final end id included. */
  score: number;
  /** True when the sequence ended with the end id; false when it hit `maxLength` or a dead end. */
  finished: boolean;
}

/** Options common to every decoding method. */
export interface DecodeOptions {
  /** How many inputs to decode together (the step fn tells them apart by `inputIndex`). Default 1. */
  numInputs?: number;
  /** Allowed-continuation constraint, e.g. a `PrefixTree`. */
  constraint?: Constraint;
  /**
   * A hypothesis is finished once it has produced the end id this many times (bert4keras's
   * `min_ends`, for multi-sentence outputs). Default 1.
   */
  minEnds?: number;
}

/** Options for beam search. */
export interface BeamSearchOptions extends DecodeOptions {
  /** Beam width: how many hypotheses per input are kept at each step. */
  topK: number;
  /**
   * Finished hypotheses are ranked by score / length^lengthPenalty, where length counts the
   * generated tokens including the end id. 0 (default) ranks by raw log-probability, as bert4keras.
   */
  lengthPenalty?: number;
}

/** Options for random sampling. */
export interface RandomSampleOptions extends DecodeOptions {
  /** Samples per input. */
  n: number;
  /** Softmax temperature, > 0. Default 1. */
  temperature?: number;
  /** Sample only among the k most likely tokens. Default: no limit. */
  topK?: number;
  /** Sample only among the smallest set of most likely tokens whose mass is >= topP. Default 1. */
  topP?: number;
  /** Seed for the random generator: the same seed gives the same samples. Default: unseeded. */
  seed?: string | number;
}
