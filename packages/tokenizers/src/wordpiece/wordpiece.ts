/**
 * WordPiece: greedy longest-match-first split of one basic token into vocabulary pieces, continuation pieces
 * prefixed with `##`. A word with no full split, or longer than the limit, becomes one unknown token.
 */

/** One piece: the vocab token and the range [begin, end) of the word's characters it covers. */
export interface Piece {
  token: string;
  begin: number;
  end: number;
}

/** What WordPiece needs to know about the vocabulary. */
export interface WordPieceVocab {
  has(token: string): boolean;
  /** Longest stem (code points, `##` not counted) of any vocab token; bounds the search. */
  maxStemChars: number;
}

/**
 * Splits `chars` (one code point each) into pieces. Returns a single `unkToken` piece covering the whole
 * word when the word has more than `maxChars` characters or some position has no matching piece.
 */
export function wordPiece(chars: string[], vocab: WordPieceVocab, unkToken: string, maxChars: number): Piece[] {
  const n = chars.length;
  if (n === 0) return [];
  const unk: Piece[] = [{ token: unkToken, begin: 0, end: n }];
  if (n > maxChars) return unk;
  // Candidates are substrings of the joined word; `at[k]` is the UTF-16 position of character k.
  const word = chars.join('');
  const at = new Array<number>(n + 1);
  at[0] = 0;
  for (let k = 0; k < n; k++) at[k + 1] = at[k] + chars[k].length;
  const pieces: Piece[] = [];
  let start = 0;
  while (start < n) {
    let end = Math.min(n, start + vocab.maxStemChars);
    let found: string | null = null;
    while (end > start) {
      const stem = word.substring(at[start], at[end]);
      const candidate = start > 0 ? `##${stem}` : stem;
      if (vocab.has(candidate)) {
        found = candidate;
        break;
      }
      end--;
    }
    if (found === null) return unk;
    pieces.push({ token: found, begin: start, end });
    start = end;
  }
  return pieces;
}

/** The longest stem, in code points, among `tokens` (for {@link WordPieceVocab.maxStemChars}). */
export function maxStemLength(tokens: Iterable<string>): number {
  let max = 1;
  for (const t of tokens) {
    const stem = t.startsWith('##') ? t.slice(2) : t;
    // Code points, not UTF-16 units: count surrogate pairs once.
    let len = stem.length;
    if (len > max) {
      len = [...stem].length;
      if (len > max) max = len;
    }
  }
  return max;
}
