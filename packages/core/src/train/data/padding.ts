/**
 * `sequencePadding` (bert4keras's sequence_padding): make ragged sequences one length so they stack into a
 * batch tensor, padding and truncating at either end.
 */
import { Bert4tfjsError } from '../../errors.ts';
import { checkNumber, checkOptionNames, describe } from '../losses/checks.ts';

/** Which end of a sequence padding or truncation applies to. */
export type PadSide = 'post' | 'pre';

/** Options of {@link sequencePadding}. */
export interface SequencePaddingOptions<T> {
  /** Target length. Default: the longest sequence. */
  length?: number;
  /** Fill value. Default 0. */
  value?: T;
  /** Pad at the end ('post', default, as bert4keras) or at the start ('pre'). */
  padding?: PadSide;
  /** Cut sequences longer than `length` at the end ('post', default) or at the start ('pre'). */
  truncating?: PadSide;
}

const OPTION_NAMES = ['length', 'value', 'padding', 'truncating'];

/**
 * Pads (and truncates) every sequence to one length. Items may be numbers or anything else (e.g. one-hot
 * rows, with an array `value`). Returns new arrays; the inputs are not modified.
 * @example sequencePadding([[1, 2, 3], [4]]) // [[1, 2, 3], [4, 0, 0]]
 * @example sequencePadding([[1, 2, 3], [4]], { length: 2, padding: 'pre', truncating: 'pre' }) // [[2, 3], [0, 4]]
 */
export function sequencePadding<T = number>(
  seqs: readonly (readonly T[])[],
  options: SequencePaddingOptions<T> = {},
): T[][] {
  const where = 'sequencePadding';
  checkOptionNames(where, options, OPTION_NAMES);
  if (!Array.isArray(seqs))
    throw new Bert4tfjsError(`${where}: expected an array of sequences, got ${describe(seqs)}`, 'bad-argument');
  seqs.forEach((s, i) => {
    if (!Array.isArray(s))
      throw new Bert4tfjsError(`${where}: sequence ${i} is not an array (got ${describe(s)})`, 'bad-argument');
  });
  const length =
    options.length === undefined
      ? seqs.reduce((m, s) => Math.max(m, s.length), 0)
      : checkNumber(where, 'length', options.length, { min: 0, integer: true });
  const padding = side(where, 'padding', options.padding);
  const truncating = side(where, 'truncating', options.truncating);
  const value = (options.value ?? 0) as T;
  return seqs.map((s) => {
    const kept =
      s.length <= length ? s.slice() : truncating === 'post' ? s.slice(0, length) : s.slice(s.length - length);
    const fill = new Array<T>(length - kept.length).fill(value);
    return padding === 'post' ? kept.concat(fill) : fill.concat(kept);
  });
}

function side(where: string, name: string, v: unknown): PadSide {
  if (v === undefined) return 'post';
  if (v !== 'post' && v !== 'pre')
    throw new Bert4tfjsError(`${where}: option '${name}' must be 'post' or 'pre', got ${describe(v)}`, 'bad-argument');
  return v;
}
