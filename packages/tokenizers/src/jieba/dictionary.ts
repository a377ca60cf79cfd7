/**
 * jieba's prefix dictionary: every word with its frequency, plus every proper prefix of every word with
 * frequency 0, so the DAG builder can stop extending a fragment as soon as it is not a known prefix.
 * Loaded once per file per process and never mutated (segmenters keep their additions in an overlay).
 */
import { TokenizerError } from '../wordpiece/errors.ts';
import { loadDataFileOnce } from './paths.ts';

/** A loaded main dictionary. `freqs` maps words to counts and prefixes-only to 0. */
export interface PrefixDict {
  /** Absolute path it was read from. */
  readonly path: string;
  /** Word -> frequency; a fragment that is only a prefix of some word maps to 0. */
  readonly freqs: ReadonlyMap<string, number>;
  /** Sum of all word frequencies (duplicates counted each time, as python jieba does). */
  readonly total: number;
  /** Number of dictionary lines that held a word. */
  readonly words: number;
}

const cache = new Map<string, PrefixDict>();

/**
 * Records `word` with `freq` and registers its proper prefixes (by code point) with frequency 0.
 * Shared by the main-dictionary loader and the segmenter's overlay; `has` says whether a fragment is
 * already known (the overlay must also look in the main dictionary).
 */
export function registerWord(
  freqs: Map<string, number>,
  word: string,
  freq: number,
  has: (fragment: string) => boolean,
): void {
  freqs.set(word, freq);
  for (let end = 1; end < word.length; end++) {
    // Never cut a surrogate pair: python slices by code point.
    const unit = word.charCodeAt(end);
    if (unit >= 0xdc00 && unit <= 0xdfff) continue;
    const fragment = word.slice(0, end);
    if (!has(fragment)) freqs.set(fragment, 0);
  }
}

/** Throws the error for a malformed main-dictionary line. */
function badLine(source: string, lineNo: number, line: string): never {
  throw new TokenizerError(
    `invalid dictionary entry in ${source} at line ${lineNo}: expected "word freq [tag]" with a ` +
      `non-negative integer frequency, got ${JSON.stringify(line)}`,
  );
}

/**
 * Parses dictionary text with lines `word freq [tag]` (python jieba's `gen_pfdict`), in file order so
 * that prefix entries and repeated words resolve as in python. Blank lines are skipped; any other line
 * without a non-negative integer frequency is an error. Hand-rolled scanning: this runs over ~350k lines
 * at start-up, where per-line regexes and splits cost seconds.
 * @param source name used in error messages.
 */
export function parsePrefixDict(text: string, source: string): PrefixDict {
  const freqs = new Map<string, number>();
  const has = (f: string): boolean => freqs.has(f);
  let total = 0;
  let words = 0;
  let lineNo = 0;
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (pos < text.length) {
    let eol = text.indexOf('\n', pos);
    if (eol < 0) eol = text.length;
    lineNo++;
    // Trim ASCII whitespace (\r, spaces, tabs) at both ends.
    let a = pos;
    let b = eol;
    while (a < b && text.charCodeAt(a) <= 0x20) a++;
    while (b > a && text.charCodeAt(b - 1) <= 0x20) b--;
    pos = eol + 1;
    if (a === b) continue;
    let sep = a;
    while (sep < b && text.charCodeAt(sep) !== 0x20 && text.charCodeAt(sep) !== 0x09) sep++;
    let d = sep;
    while (d < b && (text.charCodeAt(d) === 0x20 || text.charCodeAt(d) === 0x09)) d++;
    let freq = 0;
    const digits = d;
    for (let c = text.charCodeAt(d); d < b && c >= 0x30 && c <= 0x39; c = text.charCodeAt(++d)) {
      freq = freq * 10 + (c - 0x30);
    }
    const c = text.charCodeAt(d);
    if (d === digits || (d < b && c !== 0x20 && c !== 0x09)) badLine(source, lineNo, text.slice(a, b));
    registerWord(freqs, text.slice(a, sep), freq, has);
    total += freq;
    words++;
  }
  return { path: source, freqs, total, words };
}

/**
 * Loads (once per process) the dictionary at `path`.
 * @throws TokenizerError when the file cannot be read or holds a malformed line.
 */
export function loadPrefixDict(path: string): PrefixDict {
  return loadDataFileOnce(cache, path, 'jieba dictionary', parsePrefixDict);
}
