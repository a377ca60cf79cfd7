/**
 * What a finished matching run reports: the loss and metric curves, the per-pair prediction records,
 * and the console lines with the final metrics next to the baselines.
 */
import type { StepLogs } from '@bert4tfjs/core';
import type { CurvePoint } from '../report/curves.ts';
import type { MatchingPair } from '../data/matching-files.ts';
import type { Baselines } from './baselines.ts';
import { formatMetrics, predictAt, type SplitMetrics } from './evaluate.ts';
import type { PredictionRecord } from './output.ts';

/** Curves of a run: per-step loss, its trailing moving average, and every evaluation's metrics. */
export function runCurves(
  history: readonly StepLogs[],
  evaluations: readonly { step: number; metrics: Record<string, number> }[],
): CurvePoint[] {
  const curves: CurvePoint[] = history.map((h) => ({ step: h.step, series: 'train loss', value: h.loss }));
  // Per-step losses are noisy at small batch sizes: add their trailing moving average.
  const window = Math.max(2, Math.round(history.length / 20));
  history.forEach((h, i) => {
    const span = history.slice(Math.max(0, i - window + 1), i + 1);
    curves.push({
      step: h.step,
      series: `avg train loss (${window} steps)`,
      value: span.reduce((s, x) => s + x.loss, 0) / span.length,
    });
  });
  for (const e of evaluations)
    for (const [k, v] of Object.entries(e.metrics))
      curves.push({ step: e.step, series: k.replace('_', ' '), value: v });
  return curves;
}

/** Prediction records of a split (with 0/1 decisions when a threshold exists). */
export function predictionRecords(
  pairs: readonly MatchingPair[],
  scores: readonly number[],
  threshold: number | undefined,
): PredictionRecord[] {
  const hard = threshold !== undefined ? predictAt(scores, threshold) : null;
  return pairs.map((p, i) => ({
    line: p.line,
    a: p.a,
    b: p.b,
    label: p.label,
    score: scores[i],
    ...(hard ? { prediction: hard[i] } : {}),
  }));
}

/** The closing console lines: metrics, then the baselines a trained model must beat. */
export function finalLines(
  steps: number,
  seconds: number,
  valid: SplitMetrics,
  test: SplitMetrics | null,
  b: Baselines,
  saved: string,
): string[] {
  const lines = [`trained ${steps} steps in ${seconds.toFixed(1)} s; saved the ${saved} weights`];
  lines.push(`valid: ${formatMetrics(valid)}`);
  if (test) lines.push(`test:  ${formatMetrics(test)}`);
  if (b.majority)
    lines.push(
      `baseline majority class (${b.majority.label}): valid accuracy ${b.majority.valid.toFixed(4)}${b.majority.test !== null ? `, test accuracy ${b.majority.test.toFixed(4)}` : ''}`,
    );
  lines.push(
    `baseline character-overlap Jaccard: valid ${formatMetrics(b.jaccard.valid)}${b.jaccard.test ? `; test ${formatMetrics(b.jaccard.test)}` : ''}`,
  );
  return lines;
}
