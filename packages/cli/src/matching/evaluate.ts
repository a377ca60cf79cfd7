/**
 * Metrics of a split from per-pair scores, with the protocol written down once:
 * - binary labels, cross-encoder: predict 1 when P(label 1) >= 0.5; accuracy, precision, recall, F1;
 * - binary labels, bi-encoder (cosine scores): the threshold that maximises accuracy on the validation
 *   split is chosen there and applied unchanged to the test split; accuracy and F1 at that threshold;
 * - graded labels: Spearman (and Pearson) correlation between scores and gold scores.
 */
import { accuracy, bestThreshold, binaryF1, pearson, spearman } from '@bert4tfjs/core';
import type { LabelSchema } from '../data/matching-files.ts';

/** Metrics of one split. */
export interface SplitMetrics {
  n: number;
  accuracy?: number;
  precision?: number;
  recall?: number;
  f1?: number;
  /** Decision threshold used (binary data). */
  threshold?: number;
  spearman?: number;
  pearson?: number;
}

/** The headline metric of a schema: accuracy on binary data, Spearman on graded data. */
export function primaryMetric(schema: LabelSchema): 'accuracy' | 'spearman' {
  return schema === 'binary' ? 'accuracy' : 'spearman';
}

/** Hard predictions: 1 where score >= threshold. */
export function predictAt(scores: readonly number[], threshold: number): number[] {
  return scores.map((s) => (s >= threshold ? 1 : 0));
}

/**
 * Metrics of `scores` against `labels`. On binary data `threshold` is the decision threshold (0.5 for
 * probabilities); pass 'best' to choose it on these very scores (the validation split).
 */
export function splitMetrics(
  scores: readonly number[],
  labels: readonly number[],
  schema: LabelSchema,
  threshold: number | 'best',
): SplitMetrics {
  if (schema === 'graded')
    return { n: labels.length, spearman: spearman(scores, labels), pearson: pearson(scores, labels) };
  const t = threshold === 'best' ? bestThreshold(scores, labels).threshold : threshold;
  const predictions = predictAt(scores, t);
  return { n: labels.length, accuracy: accuracy(predictions, labels), ...binaryF1(predictions, labels), threshold: t };
}

/** One line of numbers for the console, e.g. `accuracy 0.912  f1 0.905  (threshold 0.61)`. */
export function formatMetrics(m: SplitMetrics): string {
  const parts: string[] = [];
  for (const k of ['accuracy', 'f1', 'spearman', 'pearson'] as const)
    if (m[k] !== undefined) parts.push(`${k} ${m[k]!.toFixed(4)}`);
  if (m.threshold !== undefined) parts.push(`(threshold ${m.threshold.toFixed(3)})`);
  return parts.join('  ');
}
