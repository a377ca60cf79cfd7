/**
 * tf.customGrad whose gradient runs inside tf.tidy. tfjs calls a customGrad's gradFunc outside any tidy
 * of its own, inside the one tidy that wraps the whole backward pass: every intermediate the gradFunc
 * makes (transposed weights and activations, products) stays allocated until the backward pass ends.
 * On a 12-layer BERT that was ~410 MB of transposes alive at the peak. Here only the returned gradients
 * survive each gradFunc.
 */
import * as tf from '@tensorflow/tfjs';

/** The gradient of a {@link tidyCustomGrad} op: one tensor per input, from dy and the saved tensors. */
export type TidyGradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[];

/** What a {@link tidyCustomGrad} body returns. */
export interface TidyGradResult {
  value: tf.Tensor;
  gradFunc: TidyGradFunc;
}

/** A differentiable op of `n` tensor inputs. */
export type TidyGradOp = (...inputs: tf.Tensor[]) => tf.Tensor;

/**
 * Like tf.customGrad(f) for a fixed number of tensor inputs (`f` receives them as an array and the
 * save function), but the gradient is computed in its own tidy.
 */
export function tidyCustomGrad(f: (inputs: tf.Tensor[], save: tf.GradSaveFunc) => TidyGradResult): TidyGradOp {
  const op = tf.customGrad(((...args: unknown[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const { value, gradFunc } = f(args as tf.Tensor[], save);
    return { value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.tidy(() => gradFunc(dy, saved)) };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return (...inputs: tf.Tensor[]) => (op as unknown as (...t: tf.Tensor[]) => tf.Tensor)(...inputs);
}

/** Swaps the last two axes (an explicit transpose: wasm's transpose-flag matmuls are ~20x slower). */
export function transposeLast(x: tf.Tensor): tf.Tensor {
  const perm = x.shape.map((_, i) => i);
  const r = perm.length;
  [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
  return tf.transpose(x, perm);
}
