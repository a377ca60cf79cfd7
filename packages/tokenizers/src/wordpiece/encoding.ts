/**
 * Sequence-level helpers shared by `encode` and the batch call: truncation of one or two token sequences to a
 * length budget (Hugging Face's rules) and padding of a batch.
 */
import { TokenizerError } from './errors.ts';

/** How to shorten a pair that does not fit (Hugging Face names). */
export type TruncationStrategy = 'longest_first' | 'only_first' | 'only_second';

/** How to pad a batch: `true`/`'longest'` to the longest row, `'max_length'` to `maxLength`, `false` not at all. */
export type PaddingStrategy = boolean | 'longest' | 'max_length';

/**
 * Removes tokens from the end of `first` / `second` until their total is at most `budget` (the length left
 * after the special tokens). `longest_first` removes one token at a time from the longer sequence, and from
 * the second on a tie, as Hugging Face's slow tokenizers and Google's `_truncate_seq_pair` do. `only_*`
 * shorten one side only and may leave the total above `budget` if that side runs out.
 */
export function truncatePair<T>(
  first: T[],
  second: T[] | null,
  budget: number,
  strategy: TruncationStrategy,
): [T[], T[] | null] {
  let a = first.length;
  let b = second === null ? 0 : second.length;
  let excess = a + b - budget;
  if (excess <= 0) return [first, second];
  if (second === null || strategy === 'only_first') {
    a = Math.max(0, a - excess);
  } else if (strategy === 'only_second') {
    b = Math.max(0, b - excess);
  } else {
    // Closed form of "one at a time from the longer, ties from the second".
    while (excess > 0) {
      if (a > b) {
        const step = Math.min(excess, a - b);
        a -= step;
        excess -= step;
      } else if (b > a) {
        const step = Math.min(excess, b - a);
        b -= step;
        excess -= step;
      } else {
        b -= 1;
        excess -= 1;
      }
    }
  }
  return [first.slice(0, a), second === null ? null : second.slice(0, b)];
}

/** Checks a `maxLength` argument: an integer that leaves room for `specials` special tokens. */
export function checkMaxLength(maxLength: number, specials: number, where: string): void {
  if (!Number.isInteger(maxLength) || maxLength < specials) {
    throw new TokenizerError(
      `${where}: maxLength must be an integer >= ${specials} (room for the [CLS]/[SEP] tokens), got ${String(maxLength)}`,
    );
  }
}

/** A padded (or ragged) batch. */
export interface PaddedBatch {
  inputIds: number[][];
  attentionMask: number[][];
  tokenTypeIds: number[][];
}

/**
 * Pads rows on the right with `padId` (attention 0, token type 0) to the longest row (`true`/`'longest'`)
 * or to `maxLength` (`'max_length'`); rows already longer are left as they are.
 */
export function padBatch(
  rows: Array<{ inputIds: number[]; tokenTypeIds: number[] }>,
  padding: PaddingStrategy,
  padId: number,
  maxLength: number | undefined,
): PaddedBatch {
  let target = 0;
  if (padding === true || padding === 'longest') {
    for (const r of rows) target = Math.max(target, r.inputIds.length);
  } else if (padding === 'max_length') {
    if (maxLength === undefined)
      throw new TokenizerError(
        `call(texts, { padding: 'max_length' }): maxLength is required with padding 'max_length'`,
      );
    target = maxLength;
  }
  const out: PaddedBatch = { inputIds: [], attentionMask: [], tokenTypeIds: [] };
  for (const r of rows) {
    const n = Math.max(0, target - r.inputIds.length);
    out.inputIds.push([...r.inputIds, ...new Array<number>(n).fill(padId)]);
    out.tokenTypeIds.push([...r.tokenTypeIds, ...new Array<number>(n).fill(0)]);
    out.attentionMask.push([...new Array<number>(r.inputIds.length).fill(1), ...new Array<number>(n).fill(0)]);
  }
  return out;
}
