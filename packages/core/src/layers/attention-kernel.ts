/**
 * What happens between the projections of multi-head attention: scores, masks, normalisation and the
 * weighted sum. Softmax attention lives here; Performer (FAVOR+) plugs in as another kernel with the same
 * contract, so every model gets it by configuration.
 */
import * as tf from '@tensorflow/tfjs';
import { batchMatMul } from '../ops/batched.ts';

/** Inputs to an attention kernel, heads already split. */
export interface AttentionKernelInputs {
  /** Queries [B, H, Lq, d]. */
  q: tf.Tensor;
  /** Keys [B, H, Lk, d]. */
  k: tf.Tensor;
  /** Values [B, H, Lk, dv]. */
  v: tf.Tensor;
  /** Key padding mask [B, Lk], 1 = attend, 0 = padding; null = all keys valid. */
  keyMask: tf.Tensor | null;
  /** Additive bias broadcastable to [B, H, Lq, Lk] (relative positions, ...); null = none. */
  bias: tf.Tensor | null;
  /** Query i may attend key j only when j <= i + (Lk - Lq). */
  causal: boolean;
  /** Multiplier of q·k (1/sqrt(d) for BERT, 1 for T5). */
  scale: number;
  /** Dropout rate on attention probabilities (training only). */
  dropout: number;
  training: boolean;
}

/**
 * An attention kernel returns the context [B, H, Lq, dv]. A kernel holding tensors of its own (Performer's
 * projection buffer) exposes `dispose`, which its layer calls when disposed.
 */
export type AttentionKernel = ((inputs: AttentionKernelInputs) => tf.Tensor) & { dispose?: () => void };

/** Large negative added to masked scores; exp() of it underflows to exactly 0 next to any real score. */
export const MASK_NEGATIVE = -1e9;

/** [Lq, Lk] matrix with 1 where query i may see key j under a causal mask offset by Lk - Lq. */
export function causalMask(lq: number, lk: number): tf.Tensor2D {
  return tf.tidy(() => {
    const offset = lk - lq;
    const rows = tf.reshape(tf.range(0, lq, 1, 'int32'), [lq, 1]);
    const cols = tf.reshape(tf.range(0, lk, 1, 'int32'), [1, lk]);
    return tf.cast(tf.lessEqual(cols, tf.add(rows, offset)), 'float32') as tf.Tensor2D;
  });
}

/** Exact softmax attention: softmax(scale · q kᵀ + bias + mask) v. */
export const softmaxAttention: AttentionKernel = (inp) =>
  tf.tidy(() => {
    const lq = inp.q.shape[2] as number;
    const lk = inp.k.shape[2] as number;
    // The scale goes on q (L x d) rather than on the scores (L x L): fewer multiplies, same product.
    const q = inp.scale !== 1 ? tf.mul(inp.q, inp.scale) : inp.q;
    let scores = batchMatMul(q, inp.k, true);
    if (inp.bias) scores = tf.add(scores, inp.bias);
    if (inp.keyMask) {
      const m = tf.reshape(tf.cast(inp.keyMask, 'float32'), [inp.keyMask.shape[0] as number, 1, 1, lk]);
      scores = tf.add(scores, tf.mul(tf.sub(1, m), MASK_NEGATIVE));
    }
    if (inp.causal) {
      const c = causalMask(lq, lk);
      scores = tf.add(scores, tf.mul(tf.sub(1, c), MASK_NEGATIVE));
    }
    let probs = tf.softmax(scores, -1);
    if (inp.dropout > 0 && inp.training) probs = tf.dropout(probs, inp.dropout);
    return batchMatMul(probs, inp.v);
  });
