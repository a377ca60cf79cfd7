/**
 * Single-label classification losses on logits: cross-entropy (label smoothing, masks, sparse or dense
 * labels), focal loss and logit-adjusted cross-entropy. Each returns a scalar: the mean over the
 * positions whose mask is 1 (all positions without a mask).
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../../errors.ts';
import { checkClassIds, checkNumber, checkOptionNames, checkProbabilities, checkTensor, describe } from './checks.ts';

/** Labels/logits/mask options every classification loss accepts. */
export interface ClassificationLabelOptions {
  /**
   * Positions that count (1) and that do not (0), shaped like the logits without their class axis.
   * The loss is Σ mask·loss / Σ mask (0 when everything is masked).
   */
  mask?: tf.Tensor;
  /**
   * true: labels are integer class ids shaped like the logits without the class axis.
   * false: labels are (soft) distributions shaped like the logits.
   * Default: inferred from ranks (labels one rank lower than logits means sparse).
   */
  sparse?: boolean;
}

/** Options of {@link crossEntropy}. */
export interface CrossEntropyOptions extends ClassificationLabelOptions {
  /** ε in [0, 1): the target becomes (1 − ε)·y + ε/C. Default 0. */
  labelSmoothing?: number;
}

/** Options of {@link focalLoss}. */
export interface FocalLossOptions extends ClassificationLabelOptions {
  /** Focusing exponent γ ≥ 0; 0 gives plain (weighted) cross-entropy. Default 2. */
  gamma?: number;
  /**
   * Class weight α. Softmax mode: one number for all classes or one per class.
   * Sigmoid mode: a number in [0, 1], α for positives and 1 − α for negatives. Default: no weighting.
   */
  alpha?: number | number[];
  /** Independent sigmoids per class (multi-label / binary) instead of one softmax. Default false. */
  sigmoid?: boolean;
}

/** Options of {@link logitAdjustedCrossEntropy}. */
export interface LogitAdjustedOptions extends CrossEntropyOptions {
  /** Class priors π_c > 0 (frequencies or counts; only their logs' differences matter). Required. */
  priors: number[] | tf.Tensor;
  /** Temperature τ ≥ 0 of the adjustment. Default 1. */
  tau?: number;
}

const LABEL_OPTIONS = ['mask', 'sparse'] as const;

/**
 * Softmax cross-entropy on logits:
 * loss = mean over positions of −Σ_c t_c · log softmax(z)_c, with t = (1 − ε)·y + ε/C.
 * `labels` are class ids (sparse) or distributions (dense); see {@link ClassificationLabelOptions}.
 */
export function crossEntropy(labels: tf.Tensor, logits: tf.Tensor, options: CrossEntropyOptions = {}): tf.Scalar {
  const where = 'crossEntropy';
  checkOptionNames(where, options, [...LABEL_OPTIONS, 'labelSmoothing']);
  const prepared = prepareLabels(where, labels, logits, options);
  const smoothing = checkSmoothing(where, options.labelSmoothing);
  return tf.tidy(() => softmaxCrossEntropy(prepared, logits, smoothing));
}

/**
 * Focal loss (Lin et al. 2017) on logits.
 * Softmax mode: loss = mean over positions of −Σ_c y_c · α_c · (1 − p_c)^γ · log p_c, p = softmax(z).
 * Sigmoid mode: loss = mean over positions of −Σ_c [y_c·α·(1 − p_c)^γ·log p_c + (1 − y_c)·(1 − α)·p_c^γ·log(1 − p_c)],
 * p = σ(z) (without `alpha` both weights are 1).
 */
export function focalLoss(labels: tf.Tensor, logits: tf.Tensor, options: FocalLossOptions = {}): tf.Scalar {
  const where = 'focalLoss';
  checkOptionNames(where, options, [...LABEL_OPTIONS, 'gamma', 'alpha', 'sigmoid']);
  const sigmoid = options.sigmoid ?? false;
  if (sigmoid && options.sparse === true) {
    throw new Bert4tfjsError(
      `${where}: option 'sparse' cannot be true with 'sigmoid': labels must be 0/1 per class`,
      'bad-argument',
    );
  }
  const prepared = prepareLabels(where, labels, logits, sigmoid ? { ...options, sparse: false } : options);
  const gamma = checkNumber(where, 'gamma', options.gamma ?? 2, { min: 0 });
  const numClasses = logits.shape[logits.rank - 1];
  const alpha = options.alpha;
  if (sigmoid && alpha !== undefined && (typeof alpha !== 'number' || !(alpha >= 0 && alpha <= 1))) {
    throw new Bert4tfjsError(
      `${where}: option 'alpha' must be a number in [0, 1] with 'sigmoid', got ${describe(alpha)}`,
      'bad-argument',
    );
  }
  if (!sigmoid && alpha !== undefined) {
    if (Array.isArray(alpha)) {
      if (alpha.length !== numClasses || !alpha.every((a) => typeof a === 'number' && Number.isFinite(a) && a >= 0)) {
        throw new Bert4tfjsError(
          `${where}: option 'alpha' must hold ${numClasses} finite numbers >= 0 (one per class), got ${describe(alpha)}`,
          'bad-argument',
        );
      }
    } else {
      checkNumber(where, 'alpha', alpha, { min: 0 });
    }
  }
  return tf.tidy(() => {
    const y = prepared.targets();
    let perPosition: tf.Tensor;
    if (sigmoid) {
      const p = tf.sigmoid(logits);
      const logP = tf.softplus(tf.neg(logits)).neg(); // log σ(z), stable
      const logNotP = tf.softplus(logits).neg(); // log(1 − σ(z))
      const aPos = alpha === undefined ? 1 : (alpha as number);
      const aNeg = alpha === undefined ? 1 : 1 - (alpha as number);
      const pos = y
        .mul(aPos)
        .mul(tf.pow(tf.sub(1, p), gamma))
        .mul(logP);
      const neg = tf.sub(1, y).mul(aNeg).mul(tf.pow(p, gamma)).mul(logNotP);
      perPosition = pos.add(neg).sum(-1).neg();
    } else {
      const logP = tf.logSoftmax(logits);
      const p = tf.exp(logP);
      let weighted = y.mul(tf.pow(tf.sub(1, p), gamma)).mul(logP);
      if (alpha !== undefined) weighted = weighted.mul(Array.isArray(alpha) ? tf.tensor1d(alpha) : alpha);
      perPosition = weighted.sum(-1).neg();
    }
    return maskedMean(perPosition, prepared.mask?.());
  });
}

/**
 * Logit-adjusted cross-entropy (Menon et al. 2021, "Long-tail learning via logit adjustment"):
 * crossEntropy(labels, z + τ·log π) — the rare classes need a larger margin to win during training;
 * predict with the raw logits.
 */
export function logitAdjustedCrossEntropy(
  labels: tf.Tensor,
  logits: tf.Tensor,
  options: LogitAdjustedOptions,
): tf.Scalar {
  const where = 'logitAdjustedCrossEntropy';
  checkOptionNames(where, options, [...LABEL_OPTIONS, 'labelSmoothing', 'priors', 'tau']);
  if (options === undefined || options.priors === undefined) {
    throw new Bert4tfjsError(`${where}: option 'priors' is required (one positive number per class)`, 'bad-argument');
  }
  const prepared = prepareLabels(where, labels, logits, options);
  const smoothing = checkSmoothing(where, options.labelSmoothing);
  const tau = checkNumber(where, 'tau', options.tau ?? 1, { min: 0 });
  const numClasses = logits.shape[logits.rank - 1];
  const priors = options.priors instanceof tf.Tensor ? Array.from(options.priors.dataSync()) : options.priors;
  if (!Array.isArray(priors) || priors.length !== numClasses || !priors.every((p) => Number.isFinite(p) && p > 0)) {
    throw new Bert4tfjsError(
      `${where}: option 'priors' must hold ${numClasses} finite numbers > 0 (one per class), got ${describe(options.priors)}`,
      'bad-argument',
    );
  }
  return tf.tidy(() => {
    const adjusted = logits.add(tf.tensor1d(priors.map((p) => tau * Math.log(p))));
    return softmaxCrossEntropy(prepared, adjusted, smoothing);
  });
}

/** Labels checked and ready: a lazy dense float target and an optional float mask. */
interface PreparedLabels {
  targets: () => tf.Tensor;
  mask?: () => tf.Tensor;
}

/** Validates labels, logits and mask together and returns how to build the dense targets. */
function prepareLabels(
  where: string,
  labels: tf.Tensor,
  logits: tf.Tensor,
  options: ClassificationLabelOptions,
): PreparedLabels {
  checkTensor(where, 'labels', labels);
  checkTensor(where, 'logits', logits);
  if (logits.rank < 1) throw new Bert4tfjsError(`${where}: 'logits' must have a class axis, got a scalar`, 'bad-shape');
  const numClasses = logits.shape[logits.rank - 1];
  const batchShape = logits.shape.slice(0, -1);
  const sparse = options.sparse ?? labels.rank === logits.rank - 1;
  const mask = options.mask;
  if (mask !== undefined) {
    checkTensor(where, 'mask', mask);
    if (!tf.util.arraysEqual(mask.shape, batchShape)) {
      throw new Bert4tfjsError(
        `${where}: 'mask' has shape [${mask.shape}] but must be [${batchShape}] (the logits without the class axis)`,
        'bad-shape',
      );
    }
  }
  if (sparse) {
    if (!tf.util.arraysEqual(labels.shape, batchShape)) {
      throw new Bert4tfjsError(
        `${where}: sparse 'labels' have shape [${labels.shape}] but must be [${batchShape}] (the logits without the class axis)`,
        'bad-shape',
      );
    }
    checkClassIds(where, 'labels', labels, numClasses, mask);
  } else {
    if (!tf.util.arraysEqual(labels.shape, logits.shape)) {
      throw new Bert4tfjsError(
        `${where}: dense 'labels' have shape [${labels.shape}] but must match the logits [${logits.shape}]`,
        'bad-shape',
      );
    }
    checkProbabilities(where, 'labels', labels);
  }
  return {
    targets: () => (sparse ? tf.oneHot(labels.toInt(), numClasses).toFloat() : labels.toFloat()),
    mask: mask === undefined ? undefined : () => mask.toFloat(),
  };
}

function checkSmoothing(where: string, value: number | undefined): number {
  return checkNumber(where, 'labelSmoothing', value ?? 0, { min: 0, max: 1, maxExclusive: true });
}

/** −Σ_c t_c log softmax(z)_c with t smoothed by ε, reduced by the masked mean. Call inside tidy. */
function softmaxCrossEntropy(prepared: PreparedLabels, logits: tf.Tensor, smoothing: number): tf.Scalar {
  const numClasses = logits.shape[logits.rank - 1];
  let targets = prepared.targets();
  if (smoothing > 0) targets = targets.mul(1 - smoothing).add(smoothing / numClasses);
  const perPosition = targets.mul(tf.logSoftmax(logits)).sum(-1).neg();
  return maskedMean(perPosition, prepared.mask?.());
}

/**
 * Σ mask·x / Σ mask, or the plain mean without a mask; 0 when every position is masked. Masked
 * entries are selected away (not multiplied by 0), so a NaN or ∞ there cannot leak into the result.
 */
function maskedMean(values: tf.Tensor, mask?: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    if (mask === undefined) return tf.mean(values) as tf.Scalar;
    const kept = tf.where(mask.greater(0), values.mul(mask), tf.zerosLike(values));
    // Not divNoNan: its gradient is missing in tfjs 4.22 (an Equal lands on the tape).
    return tf.div(kept.sum(), tf.maximum(mask.sum(), 1e-12)) as tf.Scalar;
  });
}
