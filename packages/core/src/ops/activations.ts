/**
 * Activations by the names Hugging Face configs use (`hidden_act`), so a config.json picks the same
 * function here as in transformers.
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../errors.ts';
import { fusedGelu, fusedGeluTanh, geluTanhValue, geluValue } from './fused-gelu.ts';

/** An elementwise activation. */
export type ActivationFn = (x: tf.Tensor) => tf.Tensor;

/**
 * Exact GELU: x * Φ(x) = 0.5 x (1 + erf(x / √2)) (BERT's `gelu`). One op that keeps only `x` for the
 * backward pass (fused-gelu.ts); the values are those of the formula.
 */
export function gelu(x: tf.Tensor): tf.Tensor {
  return fusedGelu(x);
}

/** Tanh approximation of GELU (`gelu_new`, `gelu_pytorch_tanh`): 0.5 x (1 + tanh(√(2/π)(x + 0.044715 x³))), fused like {@link gelu}. */
export function geluNew(x: tf.Tensor): tf.Tensor {
  return fusedGeluTanh(x);
}

/** {@link gelu} as the composed formula (reference for tests; its backward keeps every intermediate). */
export const geluFormula: ActivationFn = geluValue;

/** {@link geluNew} as the composed formula (reference for tests). */
export const geluNewFormula: ActivationFn = geluTanhValue;

/** x * sigmoid(x) (`swish`, `silu`). */
export function swish(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(x, tf.sigmoid(x)));
}

const ACTIVATIONS: Record<string, ActivationFn> = {
  gelu,
  gelu_new: geluNew,
  gelu_fast: geluNew,
  gelu_pytorch_tanh: geluNew,
  'gelu-tanh': geluNew,
  relu: (x) => tf.relu(x),
  swish,
  silu: swish,
  tanh: (x) => tf.tanh(x),
  sigmoid: (x) => tf.sigmoid(x),
  linear: (x) => x,
};

/** Names accepted by {@link getActivation}. */
export const ACTIVATION_NAMES = Object.keys(ACTIVATIONS);

/** The activation called `name` in Hugging Face configs; an unknown name is an error listing valid ones. */
export function getActivation(name: string): ActivationFn {
  const fn = ACTIVATIONS[name];
  if (!fn) {
    throw new Bert4tfjsError(
      `unknown activation '${name}' (expected one of ${ACTIVATION_NAMES.join(', ')})`,
      'bad-config',
    );
  }
  return fn;
}
