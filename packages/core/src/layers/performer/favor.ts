/**
 * FAVOR+ attention as a pure function of (q, k, v, key mask, projection): the non-causal path in
 * O(L·m·(d + dv)) time and O(L·m) memory, the causal one by chunked prefix sums (causal.ts). The stateful kernel
 * (kernel.ts) draws the projection and calls this.
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../../errors.ts';
import { batchMatMul } from '../../ops/batched.ts';
import { causalFavor, type CausalStabilizer } from './causal.ts';
import {
  checkKeyMask,
  checkProjection,
  keyFeatureParts,
  maskForFeatures,
  queryFeatureParts,
  sumOverPositions,
  valuesByFeatures,
  type PerformerFeatureKernel,
} from './features.ts';

/** Inputs of {@link favorAttention}, heads already split. */
export interface FavorInputs {
  /** Queries [B, H, Lq, d]. */
  q: tf.Tensor;
  /** Keys [B, H, Lk, d]. */
  k: tf.Tensor;
  /** Values [B, H, Lk, dv]. */
  v: tf.Tensor;
  /** Key padding mask [B, Lk] (1 = real, 0 = padding) or null. */
  keyMask?: tf.Tensor | null;
  /** Query i sees keys j <= i + (Lk − Lq) only. */
  causal?: boolean;
  /** Multiplier of q·k that the features approximate exp() of; default 1/sqrt(d). */
  scale?: number;
}

/** Options of {@link favorAttention}. */
export interface FavorOptions {
  /** Feature map; default 'softmax' (FAVOR+ positive features). */
  kernel?: PerformerFeatureKernel;
  /** Causal softmax only: key stabiliser; default 'prefix' (strictly causal). */
  causalStabilizer?: CausalStabilizer;
  /** Causal only: positions per block of the prefix sums; default 128. */
  chunkSize?: number;
}

/** Default block length of causal prefix sums (the reference's chunk size). */
export const DEFAULT_CHUNK_SIZE = 128;

/** Throws a clear error unless q, k, v are rank-4 with matching batch, heads, lengths and head size. */
export function checkFavorInputs(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor): void {
  const bad = (why: string): never => {
    throw new Bert4tfjsError(
      `performer: ${why} (q [${q.shape}], k [${k.shape}], v [${v.shape}]; expected [batch, heads, length, head size])`,
      'bad-shape',
    );
  };
  if (q.rank !== 4 || k.rank !== 4 || v.rank !== 4) bad('q, k and v must have rank 4');
  if (
    q.shape[0] !== k.shape[0] ||
    k.shape[0] !== v.shape[0] ||
    q.shape[1] !== k.shape[1] ||
    k.shape[1] !== v.shape[1]
  ) {
    bad('batch and head dimensions differ');
  }
  if (q.shape[3] !== k.shape[3]) bad('q and k head sizes differ');
  if (k.shape[2] !== v.shape[2]) bad('k and v lengths differ');
}

/**
 * FAVOR+ attention with a given projection [m, d]. Non-causal:
 * out = φ(q)(φ(k)ᵀv) / (φ(q)·Σφ(k)); causal: the same over prefixes, with 1e-6 added to every feature of
 * the running key sum. Padded keys contribute nothing anywhere. Returns [B, H, Lq, dv].
 */
export function favorAttention(inputs: FavorInputs, projection: tf.Tensor, options: FavorOptions = {}): tf.Tensor {
  const { q, k, v } = inputs;
  checkFavorInputs(q, k, v);
  const d = q.shape[3] as number;
  checkProjection(projection, d);
  checkKeyMask(inputs.keyMask, k.shape[0] as number, k.shape[2] as number);
  const kernel = options.kernel ?? 'softmax';
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!Number.isInteger(chunkSize) || chunkSize < 1)
    throw new Bert4tfjsError(`performer: chunkSize must be an integer >= 1, got ${chunkSize}`, 'bad-config');
  const scale = inputs.scale ?? 1 / Math.sqrt(d);
  if (!(scale > 0)) throw new Bert4tfjsError(`performer: scale must be > 0, got ${scale}`, 'bad-config');
  if (inputs.causal && (q.shape[2] as number) > (k.shape[2] as number)) {
    throw new Bert4tfjsError(
      `performer: causal attention needs at least as many keys as queries (Lq ${q.shape[2]}, Lk ${k.shape[2]})`,
      'unsupported',
    );
  }
  return tf.tidy(() => {
    const projT = tf.transpose(projection);
    if (inputs.causal) {
      const stabilizer = options.causalStabilizer ?? 'prefix';
      return causalFavor(q, k, v, maskForFeatures(inputs.keyMask), projT, { scale, kernel, stabilizer, chunkSize });
    }
    const qp = queryFeatureParts(q, projT, scale, kernel);
    const phq = tf.add(qp.main, qp.eps);
    const mask = maskForFeatures(inputs.keyMask);
    const kp = keyFeatureParts(k, projT, scale, kernel, mask);
    // φ(q_i)·φ(k_j) = φ(q_i)·k̂_j + ε_k Σ_f φ(q_i) at real keys j: the ε part needs only Σ v_j and the key count.
    const epsQ = tf.mul(tf.sum(phq, -1, true), kp.eps); // [B, H, Lq, 1]
    const vsum = tf.sum(mask ? tf.mul(v, mask) : v, 2, true); // [B, H, 1, dv]
    const count = mask ? tf.sum(mask, 2, true) : (k.shape[2] as number);
    const num = tf.add(batchMatMul(phq, valuesByFeatures(kp.main, v), true), tf.mul(epsQ, vsum));
    const den = tf.add(batchMatMul(phq, sumOverPositions(kp.main)), tf.mul(epsQ, count)); // [B, H, Lq, 1]
    // Real keys make den >= L·(ε/sqrt(m))²·m > 0; the floor only turns an all-padding row into 0, not NaN.
    return tf.div(num, tf.maximum(den, 1e-30));
  });
}
