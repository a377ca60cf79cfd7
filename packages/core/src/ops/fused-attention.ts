/**
 * The softmax attention core, softmax(scale · q kᵀ + bias + masks) (· dropout) v, as one differentiable
 * op. Composed, the tape keeps the scaled q, kᵀ, the scores after every addition, the probabilities and
 * the dropped-out probabilities ([B, H, Lq, Lk] each); fused, it keeps q, k, v, the probabilities P and
 * the dropout multiplier M, with the analytic gradient
 *   Pd = P·M;  dv = Pdᵀ dO;  dP = (dO vᵀ)·M;  dS = P·(dP − Σ_k dP·P);  dq = scale · dS k;  dk = dSᵀ (scale · q)
 *   dbias = dS summed to the bias's shape.
 * The forward runs the same ops in the same order as the layer's kernel; its products go through
 * batchMatMul (2-D XNNPACK products on wasm: no tape is recording inside a custom op).
 */
import * as tf from '@tensorflow/tfjs';
import { batchMatMul } from './batched.ts';
import { shareIdentityWhenTaping } from './shared-identity.ts';
import { tidyCustomGrad, transposeLast } from './tidy-grad.ts';

/** Options of {@link fusedSoftmaxAttention}. */
export interface FusedAttentionOptions {
  /** Multiplier of q·kᵀ (applied to q). */
  scale: number;
  /** Trainable additive bias broadcastable to [B, H, Lq, Lk] (T5 relative positions); gets a gradient. */
  bias?: tf.Tensor | null;
  /** Constant additive terms (padding and causal masks), added in order after the bias; no gradient. */
  masks?: tf.Tensor[];
  /** Dropout rate on the probabilities (0 = none). */
  dropout?: number;
  /** Seed of the dropout draw (tests); default a fresh random draw. */
  seed?: number;
}

/** Sums `g` (shape of the scores) down to `shape` (a shape broadcastable to it). */
function sumToShape(g: tf.Tensor, shape: number[]): tf.Tensor {
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  const summed = axes.length > 0 ? tf.sum(g, axes, true) : g;
  return tf.reshape(summed, shape);
}

/** The dropout multiplier floor(u + keep) / keep (as tf.dropout computes it) for the given shape. */
function dropoutMultiplier(shape: number[], rate: number, seed: number | undefined): tf.Tensor {
  return tf.tidy(() => {
    const keep = 1 - rate;
    return tf.div(tf.floor(tf.add(tf.randomUniform(shape, 0, 1, 'float32', seed), keep)), keep);
  });
}

/**
 * Attention context [B, H, Lq, dv] from q [B, H, Lq, d], k [B, H, Lk, d], v [B, H, Lk, dv]: one op whose
 * backward pass keeps q, k, v, the probabilities and (with dropout) the dropout multiplier.
 */
export function fusedSoftmaxAttention(
  q: tf.Tensor,
  k: tf.Tensor,
  v: tf.Tensor,
  options: FusedAttentionOptions,
): tf.Tensor {
  shareIdentityWhenTaping();
  const { scale } = options;
  const bias = options.bias ?? null;
  const masks = options.masks ?? [];
  const rate = options.dropout ?? 0;
  const op = tidyCustomGrad((inputs, save) => {
    const [sq, sk, sv] = inputs;
    const qs = scale !== 1 ? tf.mul(sq, scale) : sq;
    let scores = batchMatMul(qs, sk, true);
    if (bias) scores = tf.add(scores, inputs[3]);
    for (const m of masks) scores = tf.add(scores, m);
    const probs = tf.softmax(scores, -1);
    const mult = rate > 0 ? dropoutMultiplier(probs.shape, rate, options.seed) : null;
    const value = batchMatMul(mult ? tf.mul(probs, mult) : probs, sv);
    save(mult ? [sq, sk, sv, probs, mult] : [sq, sk, sv, probs]);
    return {
      value,
      gradFunc: (dy, saved) => {
        const [gq, gk, gv, p, m] = saved;
        const dropped = m ? tf.mul(p, m) : p;
        const dv = batchMatMul(transposeLast(dropped), dy);
        let dp = batchMatMul(dy, gv, true);
        if (m) dp = tf.mul(dp, m);
        const ds = tf.mul(p, tf.sub(dp, tf.sum(tf.mul(dp, p), -1, true)));
        const dqScaled = batchMatMul(ds, gk);
        const dq = scale !== 1 ? tf.mul(dqScaled, scale) : dqScaled;
        const dk = batchMatMul(transposeLast(ds), scale !== 1 ? tf.mul(gq, scale) : gq);
        const grads = [dq, dk, dv];
        if (bias) grads.push(sumToShape(ds, bias.shape));
        for (const mk of masks) grads.push(tf.zerosLike(mk));
        return grads;
      },
    };
  });
  return op(q, k, v, ...(bias ? [bias] : []), ...masks);
}
