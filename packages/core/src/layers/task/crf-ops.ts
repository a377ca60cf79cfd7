/**
 * Linear-chain CRF maths: the log-partition (forward algorithm in log space), the score of one tag path,
 * their difference (the negative log-likelihood) and Viterbi decoding. Emission scores [B, L, T]; the
 * transition matrix trans[i, j] scores tag i followed by tag j. Masks [B, L] are 1 on real tokens and
 * must be right-padded (a prefix of ones); padded steps contribute nothing.
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../../errors.ts';
import { dense } from '../../ops/matmul.ts';

/** Emission scores at or below this mark padding (the CRF layer writes it there). */
export const CRF_PAD_THRESHOLD = -1e6;

type GradFunc = Parameters<typeof tf.customGrad>[0];

// A comparison has no gradient, and tfjs refuses to differentiate through one; the mask is a constant
// of the scores, so it is computed inside a custom op whose gradient is zero.
const maskOp = tf.customGrad(((scores: tf.Tensor) => ({
  value: tf.cast(tf.any(tf.greater(scores, CRF_PAD_THRESHOLD), -1), 'float32'),
  gradFunc: () => tf.zerosLike(scores),
})) as unknown as GradFunc);

/** The mask a CRF layer's output encodes: 1 where some tag scores above {@link CRF_PAD_THRESHOLD}. */
export function crfMaskFromScores(scores: tf.Tensor): tf.Tensor {
  return tf.tidy(() => maskOp(scores) as tf.Tensor);
}

function checkScores(where: string, scores: tf.Tensor, trans: tf.Tensor): number {
  if (scores.rank !== 3)
    throw new Bert4tfjsError(`${where}: scores must be [batch, length, tags], got [${scores.shape}]`, 'bad-shape');
  const t = scores.shape[2];
  if (trans.rank !== 2 || trans.shape[0] !== t || trans.shape[1] !== t) {
    throw new Bert4tfjsError(`${where}: transitions must be [${t}, ${t}], got [${trans.shape}]`, 'bad-shape');
  }
  return t;
}

/** The mask as float [B, L] (inferred from the scores when absent) and the scores with padding zeroed. */
function prepare(scores: tf.Tensor, mask?: tf.Tensor | null): { m: tf.Tensor; s: tf.Tensor } {
  const m = mask ? tf.cast(mask, 'float32') : crfMaskFromScores(scores);
  return { m, s: tf.mul(scores, tf.expandDims(m, -1)) };
}

/**
 * log Z per example [B]: log Σ over all tag paths of exp(path score), computed by the forward
 * recursion α_t(j) = log Σ_i exp(α_{t−1}(i) + trans[i, j]) + s_t(j), frozen on padded steps.
 */
export function crfLogPartition(scores: tf.Tensor, trans: tf.Tensor, mask?: tf.Tensor | null): tf.Tensor {
  const t = checkScores('crfLogPartition', scores, trans);
  return tf.tidy(() => {
    const { m, s } = prepare(scores, mask);
    const [b, l] = s.shape as number[];
    const steps = tf.unstack(s, 1);
    const masks = tf.unstack(tf.reshape(m, [b, l, 1]), 1);
    const transB = tf.expandDims(trans, 0);
    let alpha = steps[0];
    for (let i = 1; i < l; i++) {
      const next = tf.add(tf.logSumExp(tf.add(tf.reshape(alpha, [b, t, 1]), transB), 1), steps[i]);
      alpha = tf.add(tf.mul(masks[i], next), tf.mul(tf.sub(1, masks[i]), alpha));
    }
    return tf.logSumExp(alpha, 1);
  });
}

/** Tags [B, L] (integer ids) or one-hot [B, L, T] -> one-hot float [B, L, T]. */
export function crfOneHot(tags: tf.Tensor, numTags: number): tf.Tensor {
  return tf.tidy(() => {
    if (tags.rank === 3 && tags.shape[2] === numTags && numTags > 1) return tf.cast(tags, 'float32');
    const ids = tags.rank === 3 ? tf.squeeze(tags, [2]) : tags;
    return tf.oneHot(tf.cast(ids, 'int32'), numTags);
  });
}

/**
 * Score of the given tag path per example [B]: Σ_t s_t(y_t) + Σ_{t≥1} trans[y_{t−1}, y_t] over real
 * steps. `tags`: ids [B, L] or one-hot [B, L, T].
 */
export function crfPathScore(scores: tf.Tensor, tags: tf.Tensor, trans: tf.Tensor, mask?: tf.Tensor | null): tf.Tensor {
  const t = checkScores('crfPathScore', scores, trans);
  return tf.tidy(() => {
    const { m, s } = prepare(scores, mask);
    const [b, l] = s.shape as number[];
    const y = crfOneHot(tags, t);
    const emission = tf.sum(tf.mul(s, y), [1, 2]);
    if (l < 2) return emission;
    // onehot(y_{t−1}) · trans · onehot(y_t), via a matmul (no gather, so the gradient exists on wasm).
    const prev = tf.slice(y, [0, 0, 0], [b, l - 1, t]);
    const cur = tf.slice(y, [0, 1, 0], [b, l - 1, t]);
    const pairScores = tf.sum(tf.mul(dense(prev, trans), cur), 2);
    const transition = tf.sum(tf.mul(pairScores, tf.slice(m, [0, 1], [b, l - 1])), 1);
    return tf.add(emission, transition);
  });
}

/**
 * CRF negative log-likelihood, log Z − path score, averaged over the examples that have at least one
 * real token. A scalar.
 */
export function crfLoss(scores: tf.Tensor, tags: tf.Tensor, trans: tf.Tensor, mask?: tf.Tensor | null): tf.Scalar {
  return tf.tidy(() => {
    const m = mask ? tf.cast(mask, 'float32') : crfMaskFromScores(scores);
    const perExample = tf.sub(crfLogPartition(scores, trans, m), crfPathScore(scores, tags, trans, m));
    // 1 for examples with a real token (mask sums are whole numbers); no comparison, so differentiable.
    const valid = tf.minimum(tf.sum(m, 1), 1);
    return tf.div(tf.sum(tf.mul(perExample, valid)), tf.maximum(tf.sum(valid), 1)) as tf.Scalar;
  });
}

/** Best tag path of one example and its score. */
export interface ViterbiPath {
  tags: number[];
  score: number;
}

/**
 * Viterbi decoding: per example, the tag path over its real tokens maximising the path score (the
 * length of each path is that example's mask sum). Runs in JS on the downloaded scores.
 */
export function crfViterbi(scores: tf.Tensor, trans: tf.Tensor, mask?: tf.Tensor | null): ViterbiPath[] {
  const t = checkScores('crfViterbi', scores, trans);
  const [b, l] = scores.shape as number[];
  const s = scores.dataSync();
  const tr = trans.dataSync();
  const m = mask
    ? tf.tidy(() => tf.cast(mask, 'float32').dataSync())
    : tf.tidy(() => crfMaskFromScores(scores).dataSync());
  const out: ViterbiPath[] = [];
  for (let e = 0; e < b; e++) {
    let n = 0;
    while (n < l && m[e * l + n] > 0) n++;
    if (n === 0) {
      out.push({ tags: [], score: 0 });
      continue;
    }
    const base = e * l * t;
    let delta = Array.from(s.subarray(base, base + t));
    const back: Int32Array[] = [];
    for (let i = 1; i < n; i++) {
      const next = new Array<number>(t);
      const arg = new Int32Array(t);
      for (let j = 0; j < t; j++) {
        let best = -Infinity;
        for (let k = 0; k < t; k++) {
          const v = delta[k] + tr[k * t + j];
          if (v > best) {
            best = v;
            arg[j] = k;
          }
        }
        next[j] = best + s[base + i * t + j];
      }
      back.push(arg);
      delta = next;
    }
    let last = 0;
    for (let j = 1; j < t; j++) if (delta[j] > delta[last]) last = j;
    const tags = [last];
    for (let i = back.length - 1; i >= 0; i--) tags.unshift(back[i][tags[0]]);
    out.push({ tags, score: delta[last] });
  }
  return out;
}
