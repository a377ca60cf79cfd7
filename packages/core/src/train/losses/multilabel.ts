/**
 * Su Jianlin's multi-label "softmax + cross-entropy" (ZLPR, arXiv 2208.02955): the positives' scores are
 * pushed above 0 and the negatives' below 0 with one log-sum-exp each, which copes with heavy class
 * imbalance far better than one sigmoid per class. Scores are raw logits; predict the classes with s > 0.
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../../errors.ts';
import { checkProbabilities, checkSameShape, checkTensor, describe } from './checks.ts';

/** Stands in for −∞ inside log-sum-exp: exp of it is 0 without producing ∞ − ∞. */
const NEG_BIG = -1e30;

/**
 * Multi-label categorical cross-entropy with hard or soft labels t ∈ [0, 1] (same shape as the scores s):
 * loss = mean over rows of log(1 + Σ_i (1 − t_i)·e^{s_i}) + log(1 + Σ_i t_i·e^{−s_i}).
 * With hard labels this is exactly log(1 + Σ_{neg} e^{s_i}) + log(1 + Σ_{pos} e^{−s_j}); soft labels
 * (label smoothing, mixup) are the soft-label version of the same loss.
 */
export function multilabelCategoricalCrossentropy(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  const where = 'multilabelCategoricalCrossentropy';
  checkTensor(where, 'yTrue', yTrue);
  checkTensor(where, 'yPred', yPred);
  if (yPred.rank < 1) throw new Bert4tfjsError(`${where}: 'yPred' must have a class axis, got a scalar`, 'bad-shape');
  checkSameShape(where, 'yTrue', yTrue, 'yPred', yPred);
  checkProbabilities(where, 'yTrue', yTrue);
  return tf.tidy(() => zlpr(yTrue.toFloat(), yPred));
}

/**
 * The sparse form: the positives of each row are given as class-id lists instead of a dense 0/1 matrix,
 * loss = mean over rows of log(1 + Σ_{i∉P} e^{s_i}) + log(1 + Σ_{j∈P} e^{−s_j}).
 * `positives`: an int tensor [..., P] whose leading axes match `yPred` [..., C], padded with −1; or, for
 * 2-D scores, one JS array of ids per row (any lengths). Ids must lie in [0, C); repeats count once.
 */
export function sparseMultilabelCategoricalCrossentropy(
  positives: tf.Tensor | readonly (readonly number[])[],
  yPred: tf.Tensor,
): tf.Scalar {
  const where = 'sparseMultilabelCategoricalCrossentropy';
  checkTensor(where, 'yPred', yPred);
  if (yPred.rank < 1) throw new Bert4tfjsError(`${where}: 'yPred' must have a class axis, got a scalar`, 'bad-shape');
  const numClasses = yPred.shape[yPred.rank - 1];
  const rows = yPred.size / Math.max(numClasses, 1);
  let lists: number[][];
  if (positives instanceof tf.Tensor) {
    const lead = yPred.shape.slice(0, -1);
    if (positives.rank !== yPred.rank || !tf.util.arraysEqual(positives.shape.slice(0, -1), lead)) {
      throw new Bert4tfjsError(
        `${where}: 'positives' has shape [${positives.shape}] but must be [${lead},P] (yPred's leading axes, then the ids)`,
        'bad-shape',
      );
    }
    const p = positives.shape[positives.rank - 1];
    const flat = Array.from(positives.dataSync());
    lists = Array.from({ length: rows }, (_, r) => flat.slice(r * p, (r + 1) * p).filter((id) => id !== -1));
  } else if (Array.isArray(positives)) {
    if (yPred.rank !== 2 || positives.length !== rows) {
      throw new Bert4tfjsError(
        `${where}: 'positives' as arrays needs 2-D 'yPred' with one list per row; got ${describe(positives)} for yPred [${yPred.shape}]`,
        'bad-shape',
      );
    }
    lists = positives.map((row, r) => {
      if (!Array.isArray(row))
        throw new Bert4tfjsError(
          `${where}: 'positives[${r}]' must be an array of class ids, got ${describe(row)}`,
          'bad-label',
        );
      return [...row];
    });
  } else {
    throw new Bert4tfjsError(
      `${where}: 'positives' must be a tf.Tensor or an array of id lists, got ${describe(positives)}`,
      'bad-argument',
    );
  }
  // The labels need no gradient, so the dense indicator is built in JS: no gather, hence no
  // gather-gradient (missing on wasm), and memory stays the size of yPred.
  const indicator = new Float32Array(rows * numClasses);
  lists.forEach((ids, r) => {
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= numClasses) {
        throw new Bert4tfjsError(
          `${where}: 'positives' row ${r} holds ${id}; ids must be integers in [0, ${numClasses}) (or -1 as tensor padding)`,
          'bad-label',
        );
      }
      indicator[r * numClasses + id] = 1;
    }
  });
  return tf.tidy(() => zlpr(tf.tensor(indicator, yPred.shape), yPred));
}

/** log(1 + Σ(1−t)e^s) + log(1 + Σ t e^{−s}), averaged over rows. Call inside tidy. */
function zlpr(t: tf.Tensor, s: tf.Tensor): tf.Scalar {
  // log(0) becomes NEG_BIG so the absent terms vanish from the sums.
  const logOf = (x: tf.Tensor) => tf.where(x.greater(0), tf.log(x), tf.fill(x.shape, NEG_BIG));
  const zeros = tf.zeros([...s.shape.slice(0, -1), 1]);
  const neg = tf.logSumExp(tf.concat([s.add(logOf(tf.sub(1, t))), zeros], -1), -1);
  const pos = tf.logSumExp(tf.concat([tf.neg(s).add(logOf(t)), zeros], -1), -1);
  return tf.mean(neg.add(pos)) as tf.Scalar;
}
