/**
 * `textSplit` (bert4keras's text_segmentate): cut a long text into pieces of at most `maxLen` characters,
 * preferring the strongest separator (paragraph, then sentence end, then comma, ...).
 */
import { Bert4tfjsError } from '../../errors.ts';
import { checkNumber, checkOptionNames, describe } from '../losses/checks.ts';

/** Separators tried in order by default: newline, sentence ends, clause marks, then spaces. */
export const DEFAULT_SEPARATORS: readonly string[] = ['\n', '。', '！', '？', '!', '?', '；', ';', '，', ',', ' '];

/** Options of {@link textSplit}. */
export interface TextSplitOptions {
  /** Trim whitespace around each piece and drop empty ones. Default false (pieces join back to the text). */
  strip?: boolean;
}

/**
 * Splits `text` so every piece has at most `maxLen` characters (code points). The first separator is tried
 * first; neighbouring parts are merged greedily while they fit, each keeping its separator at its end;
 * a part still too long is split by the next separator, recursively. A part with no separator left is
 * cut every `maxLen` characters. Without `strip`, `pieces.join('') === text`.
 */
export function textSplit(
  text: string,
  maxLen: number,
  separators: readonly string[] = DEFAULT_SEPARATORS,
  options: TextSplitOptions = {},
): string[] {
  const where = 'textSplit';
  if (typeof text !== 'string')
    throw new Bert4tfjsError(`${where}: text must be a string, got ${describe(text)}`, 'bad-argument');
  checkNumber(where, 'maxLen', maxLen, { min: 1, integer: true });
  checkOptionNames(where, options, ['strip']);
  if (!Array.isArray(separators) || separators.some((s) => typeof s !== 'string' || s === '')) {
    throw new Bert4tfjsError(`${where}: separators must be an array of non-empty strings`, 'bad-argument');
  }
  const pieces = splitRec(text, maxLen, separators);
  if (!options.strip) return pieces.filter((p) => p !== '');
  return pieces.map((p) => p.trim()).filter((p) => p !== '');
}

function len(s: string): number {
  return [...s].length;
}

function splitRec(text: string, maxLen: number, seps: readonly string[]): string[] {
  if (len(text) <= maxLen) return [text];
  if (seps.length === 0) {
    const chars = [...text];
    const out: string[] = [];
    for (let i = 0; i < chars.length; i += maxLen) out.push(chars.slice(i, i + maxLen).join(''));
    return out;
  }
  const [sep, ...rest] = seps;
  // Parts keep their separator at the end so nothing is lost.
  const parts = text
    .split(sep)
    .map((p, i, all) => (i < all.length - 1 ? p + sep : p))
    .filter((p) => p !== '');
  if (parts.length <= 1) return splitRec(text, maxLen, rest);
  const out: string[] = [];
  let current = '';
  for (const part of parts) {
    if (current !== '' && len(current) + len(part) > maxLen) {
      out.push(...splitRec(current, maxLen, rest));
      current = '';
    }
    current += part;
  }
  if (current !== '') out.push(...splitRec(current, maxLen, rest));
  return out;
}
