/**
 * FAVOR+ feature maps φ: [B, H, L, d] -> [B, H, L, m] such that φ(q)·φ(k) estimates exp(scale · q·k).
 * Positive softmax features (with the stabilisers and epsilon of lucidrains' `softmax_kernel`, which the
 * oracle fixture was generated from) and the ReLU ("generalized attention") variant, plus the input checks
 * shared by the non-causal and causal paths.
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../../errors.ts';
import { batchMatMul } from '../../ops/batched.ts';
import { dense, swapLastAxes } from '../../ops/matmul.ts';
import { stopGradient } from '../../ops/stop-gradient.ts';

/** Which feature map: positive random features for softmax, or relu(W x) + ε. */
export type PerformerFeatureKernel = 'softmax' | 'relu';

/** ε added to every softmax feature (keeps features > 0; the stabiliser does not cancel because of it). */
export const SOFTMAX_FEATURE_EPS = 1e-4;
/** ε added to every ReLU feature. */
export const RELU_FEATURE_EPS = 1e-3;
/** ε added to every feature of the causal running key sum, as in the reference. */
export const CAUSAL_DENOMINATOR_EPS = 1e-6;
/** Added to key logits at padded positions so they never win a stabiliser max. */
export const PAD_LOGIT = -1e30;

/** Throws unless `projection` is a [m, d] matrix for heads of size `d`. */
export function checkProjection(projection: tf.Tensor, d: number): void {
  if (projection.rank !== 2 || projection.shape[1] !== d || (projection.shape[0] as number) < 1) {
    throw new Bert4tfjsError(
      `performer: projection matrix has shape [${projection.shape}], expected [features, ${d}] (features >= 1, head size ${d})`,
      'bad-shape',
    );
  }
}

/** Throws unless `keyMask` is null or [B, Lk]. */
export function checkKeyMask(keyMask: tf.Tensor | null | undefined, batch: number, lk: number): void {
  if (keyMask && (keyMask.rank !== 2 || keyMask.shape[0] !== batch || keyMask.shape[1] !== lk)) {
    throw new Bert4tfjsError(
      `performer: key mask has shape [${keyMask.shape}], expected [${batch}, ${lk}] (batch, key length)`,
      'bad-shape',
    );
  }
}

/** Key mask [B, L] as float [B, 1, L, 1], ready to multiply features; null when there is no mask. */
export function maskForFeatures(keyMask: tf.Tensor | null | undefined): tf.Tensor | null {
  if (!keyMask) return null;
  const [b, l] = keyMask.shape as number[];
  return tf.reshape(tf.cast(keyMask, 'float32'), [b, 1, l, 1]);
}

/** Scaled inputs x~ = x·sqrt(scale) (d^-1/4 when scale = 1/sqrt(d), so x~_q·x~_k is the score) and |x~|²/2. */
export interface ProjectedInputs {
  /** x~ [B, H, L, d]. */
  xs: tf.Tensor;
  /** u = x~ Wᵀ [B, H, L, m]. */
  u: tf.Tensor;
  /** |x~|²/2 [B, H, L, 1]. */
  half: tf.Tensor;
}

/** x~, u = x~ Wᵀ and |x~|²/2 for inputs [B, H, L, d] and Wᵀ [d, m]. */
export function projectInputs(x: tf.Tensor, projectionT: tf.Tensor, scale: number): ProjectedInputs {
  return tf.tidy(() => {
    const xs = tf.mul(x, Math.sqrt(scale));
    return { xs, u: dense(xs, projectionT), half: tf.mul(tf.sum(tf.square(xs), -1, true), 0.5) };
  });
}

/**
 * x~ Wᵀ + shift with a per-row shift [B, H, L, 1], computed as one product [x~, shift] @ [Wᵀ; 1]:
 * a broadcast add over [L, m] is far slower than this extra column on the cpu backend.
 */
function shiftedProduct(xs: tf.Tensor, projectionT: tf.Tensor, shift: tf.Tensor): tf.Tensor {
  const m = projectionT.shape[1] as number;
  const augmented = tf.concat([projectionT, tf.ones([1, m])], 0);
  return dense(tf.concat([xs, tf.broadcastTo(shift, [...xs.shape.slice(0, -1), 1])], -1), augmented);
}

/** Per-position max of u [B, H, L, 1]; padded positions (mask [B, 1, L, 1]) pushed to PAD_LOGIT. */
export function positionMax(u: tf.Tensor, mask: tf.Tensor | null): tf.Tensor {
  const r = tf.max(u, -1, true);
  return mask ? tf.add(r, tf.mul(tf.sub(1, mask), PAD_LOGIT)) : r;
}

/** Max of key projections u over real positions and all features per (batch, head): [B, H, 1, 1]. */
export function keyStabilizer(u: tf.Tensor, mask: tf.Tensor | null): tf.Tensor {
  return tf.tidy(() => stopGradient(tf.max(positionMax(u, mask), 2, true)));
}

/**
 * A feature map split as φ = main + eps at real positions (0 at padded ones). Linear attention uses the
 * split to apply the ε part with small [L, 1]-sized products instead of another pass over [L, m].
 */
export interface FeatureParts {
  /** [B, H, L, m]; zero rows at padded positions. */
  main: tf.Tensor;
  /** The constant every feature of a real position gets on top of `main`. */
  eps: number;
}

/** m^-1/2 exp(u − |x~|²/2 − stab) at real rows (shift pushed to PAD_LOGIT at padded ones, so exp gives 0). */
function softmaxMain(p: ProjectedInputs, projectionT: tf.Tensor, stab: tf.Tensor, mask: tf.Tensor | null): tf.Tensor {
  const logC = -0.5 * Math.log(projectionT.shape[1] as number);
  let shift = tf.sub(logC, tf.add(p.half, stab));
  if (mask) shift = tf.add(tf.mul(shift, mask), tf.mul(tf.sub(1, mask), PAD_LOGIT));
  return tf.exp(shiftedProduct(p.xs, projectionT, shift));
}

/** The ε of softmax features: m^-1/2 · 1e-4. */
export function softmaxEps(m: number): number {
  return SOFTMAX_FEATURE_EPS / Math.sqrt(m);
}

/** φ(q) parts: softmax m^-1/2 (exp(u − |x~|²/2 − max_f u) + ε) (per-row stabiliser), or relu(u) + ε. */
export function queryFeatureParts(
  q: tf.Tensor,
  projectionT: tf.Tensor,
  scale: number,
  kernel: PerformerFeatureKernel,
): FeatureParts {
  return tf.tidy(() => {
    const p = projectInputs(q, projectionT, scale);
    if (kernel === 'relu') return { main: tf.relu(p.u), eps: RELU_FEATURE_EPS };
    const stab = stopGradient(tf.max(p.u, -1, true));
    return { main: softmaxMain(p, projectionT, stab, null), eps: softmaxEps(projectionT.shape[1] as number) };
  });
}

/**
 * φ(k) parts from projected keys, with mask [B, 1, L, 1] or null: softmax features with stabiliser `stab`
 * (default: max of u over real positions and all features, one per (batch, head)), or relu(u) + ε.
 * `main` is zero at padded positions; the ε part applies to real positions only.
 */
export function keyPartsFrom(
  p: ProjectedInputs,
  projectionT: tf.Tensor,
  kernel: PerformerFeatureKernel,
  mask: tf.Tensor | null,
  stab?: tf.Tensor | null,
): FeatureParts {
  return tf.tidy(() => {
    if (kernel === 'relu') {
      // A PAD_LOGIT shift makes relu give exactly 0 at padded rows.
      const main = mask ? tf.relu(shiftedProduct(p.xs, projectionT, tf.mul(tf.sub(1, mask), PAD_LOGIT))) : tf.relu(p.u);
      return { main, eps: RELU_FEATURE_EPS };
    }
    const s = stab ?? keyStabilizer(p.u, mask);
    return { main: softmaxMain(p, projectionT, s, mask), eps: softmaxEps(projectionT.shape[1] as number) };
  });
}

/** φ(k) parts for keys [B, H, L, d] (see {@link keyPartsFrom}). */
export function keyFeatureParts(
  k: tf.Tensor,
  projectionT: tf.Tensor,
  scale: number,
  kernel: PerformerFeatureKernel,
  mask: tf.Tensor | null,
  stab?: tf.Tensor | null,
): FeatureParts {
  return tf.tidy(() => {
    const { main, eps } = keyPartsFrom(projectInputs(k, projectionT, scale), projectionT, kernel, mask, stab);
    return { main, eps };
  });
}

/** φ(q) [B, H, L, m] for queries [B, H, L, d] given Wᵀ [d, m] (see {@link queryFeatureParts}). */
export function queryFeatures(
  q: tf.Tensor,
  projectionT: tf.Tensor,
  scale: number,
  kernel: PerformerFeatureKernel,
): tf.Tensor {
  return tf.tidy(() => {
    const { main, eps } = queryFeatureParts(q, projectionT, scale, kernel);
    return tf.add(main, eps);
  });
}

/** φ(k) [B, H, L, m] for keys [B, H, L, d], zero at padded positions (see {@link keyFeatureParts}). */
export function keyFeatures(
  k: tf.Tensor,
  projectionT: tf.Tensor,
  scale: number,
  kernel: PerformerFeatureKernel,
  keyMask: tf.Tensor | null,
): tf.Tensor {
  return tf.tidy(() => {
    const mask = maskForFeatures(keyMask);
    const { main, eps } = keyFeatureParts(k, projectionT, scale, kernel, mask);
    return tf.add(main, mask ? tf.mul(mask, eps) : eps);
  });
}

/*
 * Contractions over positions without transposing a [L, m] feature map: a transpose of it costs more
 * than computing it on the cpu backend (and is single-threaded on wasm), while the small operands
 * ([L, dv] values, [dv, m] results) are cheap to transpose.
 */

/** Σ_j x_j over positions of [B, H, L, m], as a column [B, H, m, 1] (a ones-row product, no transpose). */
export function sumOverPositions(x: tf.Tensor): tf.Tensor {
  const [b, h, l, m] = x.shape as number[];
  return tf.reshape(batchMatMul(tf.ones([b, h, 1, l]), x), [b, h, m, 1]);
}

/** (φᵀ v)ᵀ = vᵀ φ: [B, H, dv, m] from features [B, H, L, m] and values [B, H, L, dv]. */
export function valuesByFeatures(phi: tf.Tensor, v: tf.Tensor): tf.Tensor {
  return batchMatMul(swapLastAxes(v), phi);
}
