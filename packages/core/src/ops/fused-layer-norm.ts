/**
 * Layer normalization over the last axis as one differentiable op. The composed formula keeps ~6
 * tensors of the input's size on the gradient tape; this keeps the normalised input x̂ and 1/σ (one row
 * each), with the analytic gradient
 *   dx = (1/σ) (g − mean(g) − x̂ · mean(g · x̂)),  g = dy · γ   (RMS norm: without the mean(g) term)
 *   dγ = Σ dy · x̂,  dβ = Σ dy  (over every axis but the last).
 * The forward runs the same tfjs ops in the same order as the formula, so values are identical.
 */
import * as tf from '@tensorflow/tfjs';
import { shareIdentityWhenTaping } from './shared-identity.ts';
import { tidyCustomGrad, type TidyGradOp } from './tidy-grad.ts';

/** Options of {@link fusedLayerNorm}. */
export interface FusedLayerNormOptions {
  epsilon: number;
  /** Root-mean-square norm (T5): no mean subtraction. */
  rms?: boolean;
}

/** x̂ and 1/σ of `x` over its last axis, computed exactly as the unfused formula does. */
export function normalizeLastAxis(x: tf.Tensor, epsilon: number, rms: boolean): { xhat: tf.Tensor; invStd: tf.Tensor } {
  return tf.tidy(() => {
    const axis = x.rank - 1;
    if (rms) {
      const invStd = tf.rsqrt(tf.add(tf.mean(tf.square(x), axis, true), epsilon));
      return { xhat: tf.mul(x, invStd), invStd };
    }
    const centered = tf.sub(x, tf.mean(x, axis, true));
    const invStd = tf.rsqrt(tf.add(tf.mean(tf.square(centered), axis, true), epsilon));
    return { xhat: tf.mul(centered, invStd), invStd };
  });
}

/** Sums `t` over every axis but the last (to a weight's [D] shape). */
function sumToLast(t: tf.Tensor): tf.Tensor {
  return t.rank === 1
    ? t
    : tf.sum(
        t,
        t.shape.slice(0, -1).map((_, i) => i),
      );
}

/** dx from g = dy·γ, the saved x̂ and 1/σ. */
function inputGrad(g: tf.Tensor, xhat: tf.Tensor, invStd: tf.Tensor, rms: boolean): tf.Tensor {
  const axis = g.rank - 1;
  let inner = tf.sub(g, tf.mul(xhat, tf.mean(tf.mul(g, xhat), axis, true)));
  if (!rms) inner = tf.sub(inner, tf.mean(g, axis, true));
  return tf.mul(inner, invStd);
}

const ops = new Map<string, TidyGradOp>();

/** The op for one combination of (scale, center, rms, epsilon); inputs are x, then gamma, then beta when present. */
function opFor(scale: boolean, center: boolean, rms: boolean, epsilon: number): TidyGradOp {
  const key = `${scale}|${center}|${rms}|${epsilon}`;
  let op = ops.get(key);
  if (op) return op;
  op = tidyCustomGrad((inputs, save) => {
    const [x] = inputs;
    const gamma = scale ? inputs[1] : null;
    const beta = center ? inputs[scale ? 2 : 1] : null;
    const { xhat, invStd } = normalizeLastAxis(x, epsilon, rms);
    let y = xhat;
    if (gamma) y = tf.mul(y, gamma);
    if (beta) y = tf.add(y, beta);
    save(gamma ? [xhat, invStd, gamma] : [xhat, invStd]);
    return {
      value: y,
      gradFunc: (dy, saved) => {
        const [sx, sInv, sGamma] = saved;
        const g = sGamma ? tf.mul(dy, sGamma) : dy;
        const grads = [inputGrad(g, sx, sInv, rms)];
        if (sGamma) grads.push(sumToLast(tf.mul(dy, sx)));
        if (center) grads.push(sumToLast(dy));
        return grads;
      },
    };
  });
  ops.set(key, op);
  return op;
}

/**
 * Normalises the last axis of `x`, then scales by `gamma` and shifts by `beta` (either may be null),
 * as one op whose backward pass keeps x̂ and 1/σ only.
 */
export function fusedLayerNorm(
  x: tf.Tensor,
  gamma: tf.Tensor | null,
  beta: tf.Tensor | null,
  options: FusedLayerNormOptions,
): tf.Tensor {
  shareIdentityWhenTaping();
  const op = opFor(gamma !== null, beta !== null, options.rms ?? false, options.epsilon);
  return op(...[x, ...(gamma ? [gamma] : []), ...(beta ? [beta] : [])]);
}
