/**
 * jieba's character-tagging HMM (finalseg): states B(egin) E(nd) M(iddle) S(ingle), Viterbi decoding.
 * Reads cppjieba's `hmm_model.utf8`, which holds python jieba's finalseg tables rounded to 6 decimals
 * (same characters, |diff| < 5e-7). Decoding follows python's `viterbi` exactly, ties included.
 */
import { TokenizerError } from '../wordpiece/errors.ts';
import { loadDataFileOnce } from './paths.ts';

/** State indices; numeric order equals python's letter order (B < E < M < S), which breaks ties. */
const B = 0;
const E = 1;
const M = 2;
const S = 3;

/** python's MIN_FLOAT: log-probability of an unseen emission. */
const MIN_FLOAT = -3.14e100;

/** Allowed previous states per state, in python's PrevStatus order. */
const PREV: readonly (readonly number[])[] = [
  [E, S], // B
  [B, M], // E
  [M, B], // M
  [S, E], // S
];

/** A loaded HMM: log start, transition and emission probabilities, indexed by state. */
export interface HmmModel {
  readonly start: readonly number[];
  readonly trans: readonly (readonly number[])[];
  readonly emit: readonly ReadonlyMap<string, number>[];
}

const cache = new Map<string, HmmModel>();

/** Parses a list of numbers, failing with the line named. */
function numbers(text: string, count: number, where: string): number[] {
  const values = text.trim().split(/\s+/).map(Number);
  if (values.length !== count || values.some((v) => Number.isNaN(v))) {
    throw new TokenizerError(`${where}: expected ${count} numbers, got ${JSON.stringify(text.slice(0, 80))}`);
  }
  return values;
}

/**
 * Parses cppjieba's HMM text format: `#` comments, then one line of 4 start log-probs, 4 lines of the
 * 4x4 transition matrix, 4 lines `char:logp,char:logp,...` of emissions (states in B E M S order).
 * @param source file name used in error messages.
 */
export function parseHmmModel(text: string, source: string): HmmModel {
  const rows: { text: string; line: number }[] = [];
  text.split('\n').forEach((raw, i) => {
    const t = raw.trim();
    if (t.length > 0 && !t.startsWith('#')) rows.push({ text: t, line: i + 1 });
  });
  if (rows.length !== 9) {
    throw new TokenizerError(
      `HMM model ${source}: expected 9 data lines (start, 4 transition, 4 emission), got ${rows.length}`,
    );
  }
  const at = (k: number): string => `HMM model ${source} line ${rows[k].line}`;
  const start = numbers(rows[0].text, 4, at(0));
  const trans = [1, 2, 3, 4].map((k) => numbers(rows[k].text, 4, at(k)));
  const emit = [5, 6, 7, 8].map((k) => {
    const table = new Map<string, number>();
    for (const item of rows[k].text.split(',')) {
      const colon = item.lastIndexOf(':');
      const p = Number(item.slice(colon + 1));
      if (colon <= 0 || Number.isNaN(p)) {
        throw new TokenizerError(`${at(k)}: expected "char:logprob" items, got ${JSON.stringify(item)}`);
      }
      table.set(item.slice(0, colon), p);
    }
    return table;
  });
  return { start, trans, emit };
}

/** Loads (once per process) the HMM model at `path`. */
export function loadHmmModel(path: string): HmmModel {
  return loadDataFileOnce(cache, path, 'jieba HMM model', parseHmmModel);
}

/** Most likely state sequence of `obs` (one BMP character per position), as python's `viterbi`. */
export function viterbi(model: HmmModel, obs: string): Uint8Array {
  const n = obs.length;
  const back = new Uint8Array(n * 4);
  let v = [0, 0, 0, 0];
  for (let y = 0; y < 4; y++) v[y] = model.start[y] + (model.emit[y].get(obs[0]) ?? MIN_FLOAT);
  for (let t = 1; t < n; t++) {
    const next = [0, 0, 0, 0];
    for (let y = 0; y < 4; y++) {
      const em = model.emit[y].get(obs[t]) ?? MIN_FLOAT;
      let best = -Infinity;
      let from = -1;
      for (const y0 of PREV[y]) {
        const p = v[y0] + model.trans[y0][y] + em;
        // python takes max over (prob, state): equal probs go to the later letter.
        if (from < 0 || p > best || (p === best && y0 > from)) {
          best = p;
          from = y0;
        }
      }
      next[y] = best;
      back[t * 4 + y] = from;
    }
    v = next;
  }
  const states = new Uint8Array(n);
  let state = v[S] >= v[E] ? S : E;
  for (let t = n - 1; t >= 0; t--) {
    states[t] = state;
    state = back[t * 4 + state];
  }
  return states;
}

/**
 * Cuts a run of ideographs by its HMM tags (finalseg `__cut`): B..E spans and S characters become
 * words; a trailing unfinished span is emitted whole.
 */
export function hmmCutHan(model: HmmModel, text: string, out: (word: string) => void): void {
  const states = viterbi(model, text);
  let begin = 0;
  let next = 0;
  for (let i = 0; i < text.length; i++) {
    const s = states[i];
    if (s === B) begin = i;
    else if (s === E) {
      out(text.slice(begin, i + 1));
      next = i + 1;
    } else if (s === S) {
      out(text[i]);
      next = i + 1;
    }
  }
  if (next < text.length) out(text.slice(next));
}
