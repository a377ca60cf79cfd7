/**
 * Token selection on plain score rows: argmax, bounded top-k, and the filtered sampling
 * distribution (temperature, top-k, top-p). Scores of -Infinity mean "not allowed".
 */
import { Bert4tfjsError } from '../errors.ts';

/** Options for {@link samplingDistribution}. */
export interface SamplingFilter {
  /** Softmax temperature, > 0. Default 1. */
  temperature?: number;
  /** Keep only the k highest-scoring ids (ties go to the lower id). */
  topK?: number;
  /** Keep the smallest set of most likely ids whose probability mass is >= topP, in (0, 1]. */
  topP?: number;
}

// Float rounding can leave the mass of an exact cut (e.g. 0.5 + 0.2 vs 0.7) a hair short.
const TOP_P_SLACK = 1e-6;

/** Index of the largest finite score (lowest index on ties), or -1 when none is finite. */
export function argmax(scores: ArrayLike<number>): number {
  let best = -1;
  let bestValue = -Infinity;
  for (let i = 0; i < scores.length; i++) {
    const v = scores[i];
    if (v > bestValue) {
      bestValue = v;
      best = i;
    }
  }
  return best;
}

/**
 * The `k` largest finite scores as indices, best first (lower index first on ties). Runs in
 * O(n·k) worst case with no full sort, which suits k << n (a vocabulary row).
 */
export function topKIndices(scores: ArrayLike<number>, k: number): number[] {
  const idx: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    const v = scores[i];
    if (!(v > -Infinity)) continue;
    if (idx.length === k && v <= val[k - 1]) continue;
    // Insert after equal values so that earlier indices win ties.
    let pos = idx.length === k ? k - 1 : idx.length;
    while (pos > 0 && val[pos - 1] < v) {
      idx[pos] = idx[pos - 1];
      val[pos] = val[pos - 1];
      pos--;
    }
    idx[pos] = i;
    val[pos] = v;
  }
  return idx;
}

/**
 * The probability distribution to sample the next token from, given one row of logits or
 * log-probabilities (the two give the same result): softmax at `temperature`, then top-k, then
 * top-p, renormalised. Disallowed (-Infinity) ids get 0. Returns all zeros when nothing is allowed.
 */
export function samplingDistribution(scores: ArrayLike<number>, filter: SamplingFilter = {}): Float64Array {
  const { temperature = 1, topK, topP = 1 } = filter;
  if (!(temperature > 0) || !Number.isFinite(temperature)) {
    throw new Bert4tfjsError(
      `samplingDistribution: temperature must be a finite number > 0, got ${temperature}`,
      'bad-argument',
    );
  }
  if (topK !== undefined && !(Number.isInteger(topK) && topK >= 1)) {
    throw new Bert4tfjsError(`samplingDistribution: topK must be an integer >= 1, got ${topK}`, 'bad-argument');
  }
  if (!(topP > 0 && topP <= 1)) {
    throw new Bert4tfjsError(`samplingDistribution: topP must be in (0, 1], got ${topP}`, 'bad-argument');
  }
  const probs = new Float64Array(scores.length);
  let kept: number[];
  if (topK !== undefined) kept = topKIndices(scores, topK);
  else {
    kept = [];
    for (let i = 0; i < scores.length; i++) if (scores[i] > -Infinity) kept.push(i);
  }
  if (kept.length === 0) return probs;

  let max = -Infinity;
  for (const i of kept) max = Math.max(max, scores[i]);
  let total = 0;
  for (const i of kept) total += probs[i] = Math.exp((scores[i] - max) / temperature);
  for (const i of kept) probs[i] /= total;

  if (topP < 1) {
    // Most likely first; ties by lower id so the cut is deterministic.
    const order = kept.slice().sort((a, b) => probs[b] - probs[a] || a - b);
    let mass = 0;
    let cut = order.length;
    for (let j = 0; j < order.length; j++) {
      mass += probs[order[j]];
      if (mass >= topP - TOP_P_SLACK) {
        cut = j + 1;
        break;
      }
    }
    let keptMass = 0;
    for (let j = 0; j < order.length; j++) {
      if (j < cut) keptMass += probs[order[j]];
      else probs[order[j]] = 0;
    }
    for (let j = 0; j < cut; j++) probs[order[j]] /= keptMass;
  }
  return probs;
}

/**
 * Draws an index from `probs` (summing to 1) with the uniform number `u` in [0, 1). Returns -1
 * when every probability is zero.
 */
export function drawIndex(probs: ArrayLike<number>, u: number): number {
  let cumulative = 0;
  let last = -1;
  for (let i = 0; i < probs.length; i++) {
    if (probs[i] <= 0) continue;
    cumulative += probs[i];
    last = i;
    if (u < cumulative) return i;
  }
  // Rounding can leave the total just below u: fall back to the last possible id.
  return last;
}
