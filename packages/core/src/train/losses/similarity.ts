/**
 * Sentence-similarity losses: CoSENT (a ranking loss on cosine scores) and the in-batch contrastive
 * loss of SimCSE / SimBERT (every other row of the batch is a negative).
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../../errors.ts';
import { checkNumber, checkOptionNames, checkSameShape, checkTensor } from './checks.ts';

/** Stands in for −∞ inside log-sum-exp and softmax. */
const NEG_BIG = -1e30;

/** Options of {@link cosentLoss}. */
export interface CosentOptions {
  /** λ, the scale applied to cosine differences. Default 20. */
  scale?: number;
}

/** Options of {@link inBatchContrastiveLoss}. */
export interface ContrastiveOptions {
  /** Temperature inverse: logits are scale · cos(a_i, b_j). Default 20 (SimCSE's τ = 0.05). */
  scale?: number;
}

/**
 * CoSENT (Su Jianlin, 2022): every pair the labels rank (label_i > label_j) must also be ranked by the cosines,
 * loss = log(1 + Σ_{label_i > label_j} exp(scale·(cos_j − cos_i))).
 * `labels` and `cosines` hold one value per sentence pair (any shape, flattened); labels may be graded.
 */
export function cosentLoss(labels: tf.Tensor, cosines: tf.Tensor, options: CosentOptions = {}): tf.Scalar {
  const where = 'cosentLoss';
  checkOptionNames(where, options, ['scale']);
  checkTensor(where, 'labels', labels);
  checkTensor(where, 'cosines', cosines);
  checkSameShape(where, 'labels', labels, 'cosines', cosines);
  const scale = checkNumber(where, 'scale', options.scale ?? 20, { min: 0, minExclusive: true });
  return tf.tidy(() => {
    const y = labels.toFloat().flatten();
    const s = cosines.flatten().mul(scale);
    // [i][j] = scale·(cos_j − cos_i), kept where label_i > label_j.
    const diff = tf.sub(s.expandDims(0), s.expandDims(1));
    const ranked = tf.greater(y.expandDims(1), y.expandDims(0));
    const terms = tf.where(ranked, diff, tf.fill(diff.shape, NEG_BIG)).flatten();
    return tf.logSumExp(tf.concat([terms, tf.zeros([1])])) as tf.Scalar;
  });
}

/**
 * In-batch contrastive loss (InfoNCE) on cosine similarities, averaged over rows:
 * loss_i = −log softmax_j(scale·cos(a_i, b_j))[i]  (SimCSE: row i of `a` pairs with row i of `b`).
 * Without `b` (SimBERT): rows (2k, 2k+1) of `a` are pairs, each row's positive is its partner and the
 * row itself is excluded: loss_i = −log softmax_{j≠i}(scale·cos(a_i, a_j))[i xor 1].
 */
export function inBatchContrastiveLoss(a: tf.Tensor, b?: tf.Tensor, options: ContrastiveOptions = {}): tf.Scalar {
  const where = 'inBatchContrastiveLoss';
  checkOptionNames(where, options, ['scale']);
  checkTensor(where, 'a', a);
  if (a.rank !== 2)
    throw new Bert4tfjsError(`${where}: 'a' must be 2-D [batch, dim], got shape [${a.shape}]`, 'bad-shape');
  if (b !== undefined) {
    checkTensor(where, 'b', b);
    checkSameShape(where, 'a', a, 'b', b);
  } else if (a.shape[0] % 2 !== 0 || a.shape[0] === 0) {
    throw new Bert4tfjsError(
      `${where}: without 'b', 'a' must hold an even, non-zero number of rows (pairs 2k, 2k+1), got ${a.shape[0]}`,
      'bad-shape',
    );
  }
  const scale = checkNumber(where, 'scale', options.scale ?? 20, { min: 0, minExclusive: true });
  const n = a.shape[0];
  return tf.tidy(() => {
    const an = l2Normalize(a);
    const bn = b === undefined ? an : l2Normalize(b);
    // Explicit transpose: matMul's transpose flags are slow on wasm (see ENGINE-NOTES).
    let logits = tf.matMul(an, tf.transpose(bn)).mul(scale);
    let targets: number[];
    if (b === undefined) {
      logits = tf.where(tf.eye(n).greater(0), tf.fill([n, n], NEG_BIG), logits);
      targets = Array.from({ length: n }, (_, i) => i ^ 1);
    } else {
      targets = Array.from({ length: n }, (_, i) => i);
    }
    const oneHot = tf.oneHot(tf.tensor1d(targets, 'int32'), n).toFloat();
    return tf.mean(oneHot.mul(tf.logSoftmax(logits)).sum(-1).neg()) as tf.Scalar;
  });
}

/** Rows scaled to unit length (a zero row stays zero). */
function l2Normalize(x: tf.Tensor): tf.Tensor {
  return x.div(tf.sqrt(tf.maximum(x.square().sum(-1, true), 1e-24)));
}
