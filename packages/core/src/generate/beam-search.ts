/**
 * The beam search loop, batched over inputs. Per input: extend every live hypothesis by every
 * allowed token, keep the `beams` best by total log-probability; those that end are collected as
 * finished, the rest stay live. An input stops once no live hypothesis could still beat its best
 * finished one (a sound bound, so a wide enough beam is exact), or at maxLength.
 */
import { topKIndices } from './sampling.ts';
import type { StepRunner } from './stepper.ts';
import type { Hypothesis } from './types.ts';

/** Settings for {@link beamSearchLoop}. */
export interface BeamLoopConfig {
  numInputs: number;
  beams: number;
  maxLength: number;
  endId: number;
  minEnds: number;
  lengthPenalty: number;
}

interface Beam {
  tokens: number[];
  score: number;
  ends: number;
  /** Row of the parent hypothesis in the step that produced this one. */
  row: number;
}

interface Candidate {
  row: number;
  token: number;
  score: number;
}

/** Runs beam search; one best hypothesis per input. */
export async function beamSearchLoop<S>(runner: StepRunner<S>, config: BeamLoopConfig): Promise<Hypothesis[]> {
  const { numInputs, beams, maxLength, endId, minEnds, lengthPenalty } = config;
  const normalise = (score: number, length: number): number =>
    lengthPenalty === 0 || length === 0 ? score : score / length ** lengthPenalty;
  // The best normalised score any extension of a live hypothesis could still reach: extending
  // never raises the raw score (<= 0), and with a penalty the longest length divides the most.
  const bound = (b: Beam): number =>
    lengthPenalty === 0
      ? b.score
      : b.score >= 0
        ? normalise(b.score, b.tokens.length + 1)
        : normalise(b.score, maxLength);

  const live: Beam[][] = Array.from({ length: numInputs }, () => [{ tokens: [], score: 0, ends: 0, row: 0 }]);
  const best: ({ hyp: Hypothesis; norm: number } | null)[] = new Array(numInputs).fill(null);
  const done: boolean[] = new Array(numInputs).fill(false);

  for (let step = 0; step < maxLength; step++) {
    const active = live.map((_, g) => g).filter((g) => !done[g]);
    if (active.length === 0) break;
    const rows = await runner.next(active.flatMap((g) => live[g].map((b) => ({ tokens: b.tokens, inputIndex: g }))));
    const keep: number[] = [];
    let offset = 0;
    for (const g of active) {
      const beamsOfInput = live[g];
      const candidates = selectCandidates(beamsOfInput, rows.slice(offset, offset + beamsOfInput.length), beams);
      if (candidates.length === 0) {
        // Nothing allowed anywhere: stop here, keeping the current hypotheses as the fallback.
        done[g] = true;
        offset += beamsOfInput.length;
        continue;
      }
      const next: Beam[] = [];
      for (const c of candidates) {
        const parent = beamsOfInput[c.row];
        const ends = parent.ends + (c.token === endId ? 1 : 0);
        if (c.token === endId && ends >= minEnds) {
          const norm = normalise(c.score, parent.tokens.length + 1);
          if (best[g] === null || norm > best[g]!.norm) {
            best[g] = { hyp: { tokens: parent.tokens, score: c.score, finished: true }, norm };
          }
        } else {
          next.push({ tokens: [...parent.tokens, c.token], score: c.score, ends, row: offset + c.row });
        }
      }
      live[g] = next;
      const top = best[g];
      if (next.length === 0 || (top !== null && next.every((b) => bound(b) <= top.norm))) done[g] = true;
      else keep.push(...next.map((b) => b.row));
      offset += beamsOfInput.length;
    }
    if (keep.length > 0 && step + 1 < maxLength) runner.reorder(keep);
  }

  return live.map((beamsOfInput, g) => {
    const top = best[g];
    if (top !== null) return top.hyp;
    // Nothing finished within maxLength: fall back to the best live hypothesis.
    let pick = beamsOfInput[0];
    for (const b of beamsOfInput) {
      if (normalise(b.score, b.tokens.length) > normalise(pick.score, pick.tokens.length)) pick = b;
    }
    return { tokens: pick.tokens, score: pick.score, finished: false };
  });
}

/** The `beams` best (hypothesis, next token) pairs by total score, best first. */
function selectCandidates(beamsOfInput: Beam[], rows: Float32Array[], beams: number): Candidate[] {
  // The global top-k lies within each row's own top-k, so per-row selection then a merge suffices.
  const all: Candidate[] = [];
  rows.forEach((row, r) => {
    for (const token of topKIndices(row, beams)) all.push({ row: r, token, score: beamsOfInput[r].score + row[token] });
  });
  all.sort((a, b) => b.score - a.score || a.row - b.row || a.token - b.token);
  return all.slice(0, beams);
}
