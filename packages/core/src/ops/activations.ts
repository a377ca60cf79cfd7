/**
 * Activations by the names Hugging Face configs use (`hidden_act`), so a config.json picks the same
 * function here as in transformers.
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../errors.ts';

/** An elementwise activation. */
export type ActivationFn = (x: tf.Tensor) => tf.Tensor;

const SQRT_HALF = Math.SQRT1_2;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** Exact GELU: x * Φ(x) = 0.5 x (1 + erf(x / √2)) (BERT's `gelu`). */
export function gelu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, SQRT_HALF)))));
}

/** Tanh approximation of GELU (`gelu_new`, `gelu_pytorch_tanh`): 0.5 x (1 + tanh(√(2/π)(x + 0.044715 x³))). */
export function geluNew(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), SQRT_2_OVER_PI);
    return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(inner)));
  });
}

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
    throw new Bert4tfjsError(`unknown activation '${name}' (expected one of ${ACTIVATION_NAMES.join(', ')})`, 'bad-config');
  }
  return fn;
}
