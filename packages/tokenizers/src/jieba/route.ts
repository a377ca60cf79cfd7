/**
 * The dictionary path through one han block (python jieba's `get_DAG`, `calc`, `__cut_DAG_NO_HMM`,
 * `__cut_DAG`): every dictionary word starting at each position forms a DAG; the route maximises the
 * sum of log(freq / total), ties going to the longer word as python's tuple `max` does.
 */
import { isAsciiAlnum } from './blocks.ts';

/** Frequency lookups the route needs. */
export interface WordFreqs {
  /** Frequency of `word`: a count, 0 for a known prefix only, undefined when unknown. */
  freq(word: string): number | undefined;
  /** Sum of all word frequencies. */
  readonly total: number;
}

/**
 * For each start position, the end (exclusive) of the word the best route takes from there.
 * @param block a han block (BMP characters only, so UTF-16 indices are code points).
 */
export function bestRoute(dict: WordFreqs, block: string): Int32Array {
  const n = block.length;
  const logTotal = Math.log(dict.total);
  const score = new Float64Array(n + 1);
  const end = new Int32Array(n);
  for (let k = n - 1; k >= 0; k--) {
    let best = -Infinity;
    let bestEnd = -1;
    // Walk the DAG edges from k: extend while the fragment is a known prefix; words have freq > 0.
    let i = k;
    let fragment = block[k];
    let any = false;
    while (i < n) {
      const f = dict.freq(fragment);
      if (f === undefined) break;
      if (f > 0) {
        any = true;
        const p = Math.log(f) - logTotal + score[i + 1];
        if (p >= best) {
          best = p;
          bestEnd = i + 1;
        }
      }
      i++;
      fragment = block.slice(k, i + 1);
    }
    if (!any) {
      // A lone character: python's `log(FREQ.get(c) or 1)`, i.e. log 1 = 0.
      best = 0 - logTotal + score[k + 1];
      bestEnd = k + 1;
    }
    score[k] = best;
    end[k] = bestEnd;
  }
  return end;
}

/**
 * Dictionary-only cut of a han block. Consecutive single ASCII letters/digits are buffered into one
 * word ("iPhone", "2023"), python's HMM-off rule that nodejieba lacks.
 */
export function cutBlockNoHmm(dict: WordFreqs, block: string, out: (word: string) => void): void {
  const end = bestRoute(dict, block);
  let buf = '';
  for (let x = 0; x < block.length; ) {
    const y = end[x];
    const word = block.slice(x, y);
    if (isAsciiAlnum(word)) buf += word;
    else {
      if (buf.length > 0) {
        out(buf);
        buf = '';
      }
      out(word);
    }
    x = y;
  }
  if (buf.length > 0) out(buf);
}

/**
 * Dictionary cut with HMM new-word finding: runs of single characters the route leaves are handed to
 * `recognize` (the HMM), unless the run is itself a dictionary word, in which case it stays split.
 */
export function cutBlockHmm(
  dict: WordFreqs,
  block: string,
  recognize: (run: string, out: (word: string) => void) => void,
  out: (word: string) => void,
): void {
  const end = bestRoute(dict, block);
  let buf = '';
  const flush = (): void => {
    if (buf.length === 1) out(buf);
    else if (!dict.freq(buf)) recognize(buf, out);
    else for (const ch of buf) out(ch);
    buf = '';
  };
  for (let x = 0; x < block.length; ) {
    const y = end[x];
    if (y - x === 1) buf += block[x];
    else {
      if (buf.length > 0) flush();
      out(block.slice(x, y));
    }
    x = y;
  }
  if (buf.length > 0) flush();
}
