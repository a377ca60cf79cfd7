/**
 * Matrix products that never use tfjs's transpose flags. On the wasm backend `matMul(a, b, tA, tB)` with a
 * flag runs ~20x slower than an explicit `transpose` followed by a plain product, and the built-in
 * gradients of MatMul/BatchMatMul use those flags. These ops transpose explicitly in the forward pass and
 * carry their own gradients that do the same (ENGINE-NOTES.md).
 */
import * as tf from '@tensorflow/tfjs';

type GradFunc = Parameters<typeof tf.customGrad>[0];

/** Swaps the last two axes of a tensor of rank >= 2. */
export function swapLastAxes(x: tf.Tensor): tf.Tensor {
  const perm = x.shape.map((_, i) => i);
  const r = perm.length;
  [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
  return tf.transpose(x, perm);
}

const plainBatchMatMul = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    // Each gradient in its own tidy: tfjs otherwise keeps the transposes alive until the whole backward ends.
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.tidy(() => {
        const [sa, sb] = saved;
        return [tf.matMul(dy, swapLastAxes(sb)), tf.matMul(swapLastAxes(sa), dy)];
      }),
  };
}) as unknown as GradFunc);

/**
 * `a @ b` (optionally transposing either's last two axes first) for operands of equal rank >= 2 with equal
 * batch dimensions, with a gradient that never uses transpose flags.
 */
export function matMul(a: tf.Tensor, b: tf.Tensor, transposeA = false, transposeB = false): tf.Tensor {
  return tf.tidy(() => {
    const ax = transposeA ? swapLastAxes(a) : a;
    const bx = transposeB ? swapLastAxes(b) : b;
    return plainBatchMatMul(ax, bx) as tf.Tensor;
  });
}

const denseCore = tf.customGrad(((x2d: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x2d, kernel]);
  return {
    value: tf.fused.matMul({ a: x2d as tf.Tensor2D, b: kernel as tf.Tensor2D, bias }),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.tidy(() => {
        const [sx, sk] = saved;
        return [tf.matMul(dy, tf.transpose(sk)), tf.matMul(tf.transpose(sx), dy), tf.sum(dy, 0)];
      }),
  };
}) as unknown as GradFunc);

const denseNoBias = tf.customGrad(((x2d: tf.Tensor, kernel: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x2d, kernel]);
  return {
    value: tf.matMul(x2d, kernel),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.tidy(() => {
        const [sx, sk] = saved;
        return [tf.matMul(dy, tf.transpose(sk)), tf.matMul(tf.transpose(sx), dy)];
      }),
  };
}) as unknown as GradFunc);

/**
 * `x @ kernel + bias` over the last axis of `x` (any rank), kernel `[in, out]`. Uses the fused
 * matmul+bias kernel forward and explicit transposes backward.
 */
export function dense(x: tf.Tensor, kernel: tf.Tensor, bias?: tf.Tensor | null): tf.Tensor {
  return tf.tidy(() => {
    const inDim = x.shape[x.rank - 1] as number;
    const outDim = kernel.shape[1] as number;
    const x2d = x.rank === 2 ? x : tf.reshape(x, [-1, inDim]);
    const y = bias ? (denseCore(x2d, kernel, bias) as tf.Tensor) : (denseNoBias(x2d, kernel) as tf.Tensor);
    return x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), outDim]);
  });
}
