/**
 * Entity-level precision, recall and F1 (the CoNLL definition): a predicted entity counts only when its
 * start, end and type all equal a gold entity's; micro-averaged over every entity of the split.
 */
import type { EntitySpan } from './data.ts';

/** Entity-level scores of a split. */
export interface EntityMetrics {
  precision: number;
  recall: number;
  f1: number;
  /** Gold entities, predicted entities, exact matches. */
  gold: number;
  predicted: number;
  correct: number;
}

const key = (s: EntitySpan) => `${s.start}:${s.end}:${s.type}`;

/** Scores `predicted` against `gold` (one list of spans per example). */
export function entityMetrics(predicted: readonly EntitySpan[][], gold: readonly EntitySpan[][]): EntityMetrics {
  let [g, p, c] = [0, 0, 0];
  gold.forEach((spans, i) => {
    const want = new Set(spans.map(key));
    const got = new Set(predicted[i].map(key));
    g += want.size;
    p += got.size;
    for (const k of got) if (want.has(k)) c++;
  });
  const precision = p ? c / p : 0;
  const recall = g ? c / g : 0;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1, gold: g, predicted: p, correct: c };
}
