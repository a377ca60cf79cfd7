/**
 * Evaluation metrics for matching and classification, in plain JS over arrays (they run on predictions
 * after the model, not inside tfjs): accuracy, precision/recall/F1, Spearman correlation with average
 * ranks for ties, and accuracy at the best threshold (chosen on one split, applied to another).
 */
import { Bert4tfjsError } from '../errors.ts';

function sameLength(a: ArrayLike<unknown>, b: ArrayLike<unknown>, what: string): void {
  if (a.length !== b.length)
    throw new Bert4tfjsError(`${what}: ${a.length} predictions for ${b.length} labels`, 'bad-argument');
  if (a.length === 0) throw new Bert4tfjsError(`${what}: no examples`, 'bad-argument');
}

/** Fraction of predictions equal to the labels. */
export function accuracy(predictions: ArrayLike<number>, labels: ArrayLike<number>): number {
  sameLength(predictions, labels, 'accuracy');
  let hit = 0;
  for (let i = 0; i < labels.length; i++) if (predictions[i] === labels[i]) hit++;
  return hit / labels.length;
}

/** Precision, recall and F1 of the positive class (label 1). */
export function binaryF1(
  predictions: ArrayLike<number>,
  labels: ArrayLike<number>,
): { precision: number; recall: number; f1: number } {
  sameLength(predictions, labels, 'binaryF1');
  let tp = 0,
    fp = 0,
    fn = 0;
  for (let i = 0; i < labels.length; i++) {
    if (predictions[i] === 1 && labels[i] === 1) tp++;
    else if (predictions[i] === 1) fp++;
    else if (labels[i] === 1) fn++;
  }
  const precision = tp + fp ? tp / (tp + fp) : 0;
  const recall = tp + fn ? tp / (tp + fn) : 0;
  return { precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0 };
}

/** Ranks 1..n with ties given their average rank. */
export function averageRanks(values: ArrayLike<number>): number[] {
  const idx = Array.from({ length: values.length }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const ranks = new Array<number>(values.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && values[idx[j + 1]] === values[idx[i]]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[idx[k]] = rank;
    i = j + 1;
  }
  return ranks;
}

/** Pearson correlation. */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  sameLength(x, y, 'pearson');
  const n = x.length;
  let mx = 0,
    my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0,
    sxx = 0,
    syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx,
      dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx && syy ? sxy / Math.sqrt(sxx * syy) : 0;
}

/** Spearman rank correlation (Pearson of average ranks, as scipy computes it). */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  sameLength(x, y, 'spearman');
  return pearson(averageRanks(x), averageRanks(y));
}

/**
 * The threshold on `scores` that maximises accuracy against 0/1 `labels` (predict 1 when score >= t);
 * candidates are midpoints between consecutive distinct scores plus both ends.
 */
export function bestThreshold(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
): { threshold: number; accuracy: number } {
  sameLength(scores, labels, 'bestThreshold');
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i] === 1 ? 1 : 0;
  // Threshold below everything: all predicted 1.
  let correct = positives;
  let best = { threshold: scores[order[0]] - 1e-6, accuracy: correct / labels.length };
  for (let k = 0; k < order.length; k++) {
    correct += labels[order[k]] === 1 ? -1 : 1;
    if (k + 1 < order.length && scores[order[k + 1]] === scores[order[k]]) continue;
    const t = k + 1 < order.length ? (scores[order[k]] + scores[order[k + 1]]) / 2 : scores[order[k]] + 1e-6;
    if (correct / labels.length > best.accuracy) best = { threshold: t, accuracy: correct / labels.length };
  }
  return best;
}

/** Accuracy of `score >= threshold` against 0/1 labels. */
export function thresholdAccuracy(scores: ArrayLike<number>, labels: ArrayLike<number>, threshold: number): number {
  sameLength(scores, labels, 'thresholdAccuracy');
  let hit = 0;
  for (let i = 0; i < labels.length; i++) if ((scores[i] >= threshold ? 1 : 0) === labels[i]) hit++;
  return hit / labels.length;
}
