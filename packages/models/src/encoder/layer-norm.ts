/**
 * Layer norms of BERT-like encoders, plain or conditional (bert4keras `layer_norm_cond`): one place that
 * makes them and applies them, so every block and head of a family follows the same switch.
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError, ConditionalLayerNormalization, LayerNormalization } from '@bert4tfjs/core';

/** Options of `layerNormCond` (see {@link BertBuildOptions}). */
export interface LayerNormCondOptions {
  /** Size C of the condition vector. */
  size: number;
  /** Project the condition to this many units inside each norm first (bert4keras `hidden_units`). */
  hiddenUnits?: number | null;
  /** Activation of that projection. Default 'linear'. */
  hiddenActivation?: string;
}

/** The condition input and its options, threaded through the builders when conditional LN is on. */
export interface NormCondition {
  input: tf.SymbolicTensor;
  options: LayerNormCondOptions;
}

/** A layer norm named `name`: conditional when `condition` is given. */
export function makeLayerNorm(name: string, epsilon: number, condition?: NormCondition | null): tf.layers.Layer {
  if (!condition) return new LayerNormalization({ name, epsilon });
  const { hiddenUnits, hiddenActivation } = condition.options;
  return new ConditionalLayerNormalization({ name, epsilon, hiddenUnits, hiddenActivation });
}

/** Applies `norm` to `x`, with the condition as second input when there is one. */
export function applyLayerNorm(
  norm: tf.layers.Layer,
  x: tf.SymbolicTensor,
  condition?: NormCondition | null,
): tf.SymbolicTensor {
  return (condition ? norm.apply([x, condition.input]) : norm.apply(x)) as tf.SymbolicTensor;
}

/** The `condition` input for a `layerNormCond` option, or null without it. */
export function conditionInput(o: LayerNormCondOptions | null | undefined): NormCondition | null {
  if (!o) return null;
  if (!Number.isInteger(o.size) || o.size < 1) {
    throw new Bert4tfjsError(
      `layerNormCond.size must be a positive integer, got ${JSON.stringify(o.size)}`,
      'bad-argument',
    );
  }
  return { input: tf.input({ shape: [o.size], dtype: 'float32', name: 'condition' }), options: o };
}
