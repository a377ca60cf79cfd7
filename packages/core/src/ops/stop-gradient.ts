/**
 * `stopGradient`: an identity whose gradient is zero (tfjs has none). Used where a value must act as a
 * constant to backprop: Transformer-XL memories, Performer's stabilisers (`.detach()` in PyTorch).
 */
import * as tf from '@tensorflow/tfjs';

type GradFunc = Parameters<typeof tf.customGrad>[0];

const blockGradient = tf.customGrad(((x: tf.Tensor) => ({
  value: tf.clone(x),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as unknown as GradFunc);

/** `x` itself, with no gradient flowing back through it. */
export function stopGradient(x: tf.Tensor): tf.Tensor {
  return blockGradient(x) as tf.Tensor;
}
