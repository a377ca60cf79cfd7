/**
 * Trivial baselines every matching run is compared with, computed by our code:
 * - majority class (binary data): the most frequent training label predicted for every test pair;
 * - word overlap: Jaccard similarity |A ∩ B| / |A ∪ B| of the two sentences' character sets (CJK
 *   ideographs, letters, digits; punctuation and spaces dropped, lower-cased) — Spearman against graded
 *   scores, or accuracy at the threshold chosen on the validation split (binary).
 */
import type { LabelSchema, MatchingPair } from '../data/matching-files.ts';
import { splitMetrics, type SplitMetrics } from './evaluate.ts';

/** The baselines of a run. */
export interface Baselines {
  /** Binary data only: the majority training label and the test (and validation) accuracy of always predicting it. */
  majority: { label: number; valid: number; test: number | null } | null;
  /** Character-overlap Jaccard. */
  jaccard: { unit: 'characters'; valid: SplitMetrics; test: SplitMetrics | null };
}

/** The characters of a sentence that count for overlap. */
export function overlapUnits(text: string): Set<string> {
  return new Set([...text.toLowerCase()].filter((ch) => /[\p{L}\p{N}]/u.test(ch)));
}

/** Jaccard similarity of the character sets of two sentences (0 when both are empty). */
export function jaccard(a: string, b: string): number {
  const x = overlapUnits(a);
  const y = overlapUnits(b);
  let inter = 0;
  for (const ch of x) if (y.has(ch)) inter++;
  const union = x.size + y.size - inter;
  return union === 0 ? 0 : inter / union;
}

/** Computes the baselines for train / valid / (test) pairs. */
export function computeBaselines(
  train: readonly MatchingPair[],
  valid: readonly MatchingPair[],
  test: readonly MatchingPair[] | null,
  schema: LabelSchema,
): Baselines {
  let majority: Baselines['majority'] = null;
  if (schema === 'binary') {
    const ones = train.filter((p) => p.label === 1).length;
    const label = ones > train.length - ones ? 1 : 0;
    const acc = (ps: readonly MatchingPair[]) => ps.filter((p) => p.label === label).length / ps.length;
    majority = { label, valid: acc(valid), test: test ? acc(test) : null };
  }
  const scores = (ps: readonly MatchingPair[]) => ps.map((p) => jaccard(p.a, p.b));
  const labels = (ps: readonly MatchingPair[]) => ps.map((p) => p.label);
  const v = splitMetrics(scores(valid), labels(valid), schema, 'best');
  const t = test ? splitMetrics(scores(test), labels(test), schema, v.threshold ?? 0) : null;
  return { majority, jaccard: { unit: 'characters', valid: v, test: t } };
}
