/**
 * GELU as single differentiable ops that keep only their input for the backward pass. The composed
 * formula leaves ~6 intermediate [L, 3072] tensors per layer on the gradient tape; these keep one.
 * The forward runs the same tfjs ops in the same order as the formula, so values are identical.
 */
import * as tf from '@tensorflow/tfjs';
import { shareIdentityWhenTaping } from './shared-identity.ts';
import { tidyCustomGrad } from './tidy-grad.ts';

const SQRT_HALF = Math.SQRT1_2;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const CUBIC = 0.044715;

/** Exact GELU value, 0.5 x (1 + erf(x / √2)) (no gradient of its own; used inside the fused ops). */
export function geluValue(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, SQRT_HALF)))));
}

/** Tanh-approximated GELU value, 0.5 x (1 + tanh(√(2/π)(x + 0.044715 x³))). */
export function geluTanhValue(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), CUBIC)), SQRT_2_OVER_PI);
    return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(inner)));
  });
}

/** d gelu(x) / dx = Φ(x) + x φ(x) = 0.5 (1 + erf(x/√2)) + x e^{-x²/2} / √(2π). */
export function geluDerivative(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const cdf = tf.mul(tf.add(1, tf.erf(tf.mul(x, SQRT_HALF))), 0.5);
    const pdf = tf.mul(tf.exp(tf.mul(tf.square(x), -0.5)), INV_SQRT_2PI);
    return tf.add(cdf, tf.mul(x, pdf));
  });
}

/** d geluTanh(x) / dx = 0.5 (1 + t) + 0.5 x (1 − t²) √(2/π) (1 + 3·0.044715 x²), t = tanh(√(2/π)(x + 0.044715 x³)). */
export function geluTanhDerivative(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const x2 = tf.square(x);
    const t = tf.tanh(tf.mul(tf.mul(x, tf.add(1, tf.mul(x2, CUBIC))), SQRT_2_OVER_PI));
    const dInner = tf.mul(tf.add(1, tf.mul(x2, 3 * CUBIC)), SQRT_2_OVER_PI);
    const left = tf.mul(tf.add(1, t), 0.5);
    const right = tf.mul(tf.mul(tf.mul(x, 0.5), tf.sub(1, tf.square(t))), dInner);
    return tf.add(left, right);
  });
}

const geluOp = tidyCustomGrad(([x], save) => {
  save([x]);
  return { value: geluValue(x), gradFunc: (dy, [sx]) => [tf.mul(dy, geluDerivative(sx))] };
});

const geluTanhOp = tidyCustomGrad(([x], save) => {
  save([x]);
  return { value: geluTanhValue(x), gradFunc: (dy, [sx]) => [tf.mul(dy, geluTanhDerivative(sx))] };
});

/** Exact GELU (`gelu`) as one op whose backward pass keeps only `x`. */
export function fusedGelu(x: tf.Tensor): tf.Tensor {
  shareIdentityWhenTaping();
  return geluOp(x);
}

/** Tanh GELU (`gelu_new`, `gelu_pytorch_tanh`) as one op whose backward pass keeps only `x`. */
export function fusedGeluTanh(x: tf.Tensor): tf.Tensor {
  shareIdentityWhenTaping();
  return geluTanhOp(x);
}
