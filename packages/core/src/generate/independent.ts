/**
 * The decoding loop where every hypothesis follows its own path (greedy search and random
 * sampling): each picks one next token per step and leaves the batch once it ends.
 */
import type { StepRunner } from './stepper.ts';
import type { Hypothesis } from './types.ts';

/** Settings for {@link decodeIndependent}. */
export interface IndependentLoopConfig {
  numInputs: number;
  /** Hypotheses per input (1 for greedy, n for sampling). */
  copies: number;
  maxLength: number;
  endId: number;
  minEnds: number;
  /** Chooses the next id from a log-probability row; -1 when nothing is allowed. */
  pick: (logProbs: Float32Array) => number;
}

interface Path {
  tokens: number[];
  score: number;
  ends: number;
  input: number;
  slot: number;
}

/** Runs the loop; result[input][copy]. */
export async function decodeIndependent<S>(
  runner: StepRunner<S>,
  config: IndependentLoopConfig,
): Promise<Hypothesis[][]> {
  const { numInputs, copies, maxLength, endId, minEnds, pick } = config;
  const results: Hypothesis[][] = Array.from({ length: numInputs }, () => new Array<Hypothesis>(copies));
  let live: Path[] = [];
  for (let input = 0; input < numInputs; input++) {
    for (let slot = 0; slot < copies; slot++) live.push({ tokens: [], score: 0, ends: 0, input, slot });
  }
  for (let step = 0; step < maxLength && live.length > 0; step++) {
    const rows = await runner.next(live.map((p) => ({ tokens: p.tokens, inputIndex: p.input })));
    const next: Path[] = [];
    const keep: number[] = [];
    live.forEach((p, i) => {
      const id = pick(rows[i]);
      if (id < 0) {
        // Dead end: the constraint (or minLength) allows nothing.
        results[p.input][p.slot] = { tokens: p.tokens, score: p.score, finished: false };
        return;
      }
      const score = p.score + rows[i][id];
      const ends = p.ends + (id === endId ? 1 : 0);
      if (id === endId && ends >= minEnds) {
        results[p.input][p.slot] = { tokens: p.tokens, score, finished: true };
        return;
      }
      next.push({ tokens: [...p.tokens, id], score, ends, input: p.input, slot: p.slot });
      keep.push(i);
    });
    live = next;
    if (live.length > 0 && step + 1 < maxLength) runner.reorder(keep);
  }
  for (const p of live) results[p.input][p.slot] = { tokens: p.tokens, score: p.score, finished: false };
  return results;
}
