/**
 * NEZHA's functional relative positions inside multi-head attention: an attention kernel, registered as
 * `attention: { type: 'nezha-relative', maxRelativePosition }`, computing
 *   scores = scale · (q·kᵀ + q·R_kᵀ),  context = p·v + p·R_v,  p = softmax(scores + masks)
 * with R[i][j] = table[clamp(j − i, −m, m) + m] one head-size-wide sinusoid (sin at even, cos at odd
 * feature index) shared by all heads, keys and values. Nothing is learned, so any length works.
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../errors.ts';
import { batchMatMul } from '../ops/batched.ts';
import { attentionProbeActive, reportAttention } from './attention-probe.ts';
import { causalMask, MASK_NEGATIVE, type AttentionKernel } from './attention-kernel.ts';
import { registerAttentionKernel, type AttentionOption } from './attention.ts';

/** Options of the NEZHA relative-position kernel. */
export interface NezhaRelativeAttentionOption {
  type: 'nezha-relative';
  /** Relative distances are clipped to [−m, m] (Hugging Face `max_relative_position`). */
  maxRelativePosition: number;
}

/** The sinusoid over relative indices r = 0..2m: [2m + 1, dim], [r][2k] = sin(r·10000^(−2k/dim)), [r][2k+1] = cos. */
export function nezhaSinusoidTable(maxRelativePosition: number, dim: number): Float32Array {
  const rows = 2 * maxRelativePosition + 1;
  const out = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < dim; j++) {
      const k = Math.floor(j / 2);
      const angle = r * 10000 ** ((-2 * k) / dim);
      out[r * dim + j] = j % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
  return out;
}

/**
 * R for queries 0..lq−1 and keys 0..lk−1: [lq, lk, dim], R[i][j] = table row clamp(j − i, −m, m) + m
 * (Hugging Face's `relative_positions_encoding` for this length when lq = lk).
 */
export function nezhaRelativeEncoding(lq: number, lk: number, maxRelativePosition: number, dim: number): Float32Array {
  const table = nezhaSinusoidTable(maxRelativePosition, dim);
  const m = maxRelativePosition;
  const out = new Float32Array(lq * lk * dim);
  for (let i = 0; i < lq; i++) {
    for (let j = 0; j < lk; j++) {
      const r = Math.min(Math.max(j - i, -m), m) + m;
      out.set(table.subarray(r * dim, (r + 1) * dim), (i * lk + j) * dim);
    }
  }
  return out;
}

/** Σ_d a[b,h,i,d]·R[i,j,d] (`transposeR`) or Σ_j a[b,h,i,j]·R[i,j,d]: the per-query product with R. */
function perQuery(a: tf.Tensor, r: tf.Tensor, transposeR: boolean): tf.Tensor {
  const [b, h, lq, w] = a.shape as number[];
  const rows = tf.reshape(tf.transpose(a, [2, 0, 1, 3]), [lq, b * h, w]);
  const prod = batchMatMul(rows, r, transposeR);
  const out = prod.shape[2] as number;
  return tf.transpose(tf.reshape(prod, [lq, b, h, out]), [1, 2, 0, 3]);
}

/** Builds the NEZHA kernel for one attention layer (`layerName` labels probed probabilities). */
export function nezhaRelativeAttentionKernel(option: AttentionOption, layerName = 'attention'): AttentionKernel {
  const { type: _type, maxRelativePosition: m, ...rest } = option as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length) {
    throw new Bert4tfjsError(
      `nezha-relative attention: unknown option(s) ${unknown.join(', ')} (known: maxRelativePosition)`,
      'bad-config',
    );
  }
  if (typeof m !== 'number' || !Number.isInteger(m) || m < 1) {
    throw new Bert4tfjsError(
      `nezha-relative attention: maxRelativePosition must be a positive integer, got ${JSON.stringify(m)}`,
      'bad-config',
    );
  }
  return (inp) =>
    tf.tidy(() => {
      const lq = inp.q.shape[2] as number;
      const lk = inp.k.shape[2] as number;
      const d = inp.q.shape[3] as number;
      if ((inp.v.shape[3] as number) !== d) {
        throw new Bert4tfjsError(
          `nezha-relative attention: value size ${inp.v.shape[3]} must equal key size ${d}`,
          'bad-config',
        );
      }
      const r = tf.tensor3d(nezhaRelativeEncoding(lq, lk, m, d), [lq, lk, d]);
      const q = inp.scale !== 1 ? tf.mul(inp.q, inp.scale) : inp.q;
      let scores = tf.add(batchMatMul(q, inp.k, true), perQuery(q, r, true));
      if (inp.bias) scores = tf.add(scores, inp.bias);
      if (inp.keyMask) {
        const mask = tf.reshape(tf.cast(inp.keyMask, 'float32'), [inp.keyMask.shape[0] as number, 1, 1, lk]);
        scores = tf.add(scores, tf.mul(tf.sub(1, mask), MASK_NEGATIVE));
      }
      if (inp.causal) scores = tf.add(scores, tf.mul(tf.sub(1, causalMask(lq, lk)), MASK_NEGATIVE));
      let probs = tf.softmax(scores, -1);
      if (attentionProbeActive()) reportAttention(layerName, probs);
      if (inp.dropout > 0 && inp.training) probs = tf.dropout(probs, inp.dropout);
      return tf.add(batchMatMul(probs, inp.v), perQuery(probs, r, false));
    });
}

registerAttentionKernel('nezha-relative', (option, layer) => nezhaRelativeAttentionKernel(option, layer.name));
