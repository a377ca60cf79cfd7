/**
 * A WordPiece vocabulary built from the training texts, for models trained from scratch: every character
 * seen (CJK ideographs and punctuation as tokens; letters and digits also as `##` continuations, so any
 * ASCII word can be spelled), whole ASCII words seen at least `minCount` times, and — with a word-level
 * pre-tokenizer such as jieba — the multi-character words it produces at least `minCount` times (kept whole
 * by the tokenizer, as WoBERT does).
 */
import { basicTokenize, isCjkChar, isPunctuationChar, normalizeText } from '@bert4tfjs/tokenizers';

/** The special tokens, first and in this order ([PAD] is id 0). */
export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

/** Options of {@link buildVocab}. */
export interface BuildVocabOptions {
  /** Lower-case as the tokenizer will. Default true. */
  lowercase?: boolean;
  /** Word-level pre-tokenizer (e.g. jieba); its multi-character words become tokens. */
  preTokenize?: (text: string) => string[];
  /** Occurrences a whole word needs to become a token. Default 2. */
  minCount?: number;
}

function bump(counts: Map<string, number>, token: string): void {
  counts.set(token, (counts.get(token) ?? 0) + 1);
}

/** Builds a vocabulary (token list in id order) from `texts`; deterministic: by count, then code order. */
export function buildVocab(texts: Iterable<string>, options: BuildVocabOptions = {}): string[] {
  const lowercase = options.lowercase ?? true;
  const minCount = options.minCount ?? 2;
  const chars = new Map<string, number>();
  const words = new Map<string, number>();
  const specials = new Set<string>(SPECIAL_TOKENS);
  for (const text of texts) {
    if (options.preTokenize) {
      for (const w of options.preTokenize(text)) {
        const n = normalizeText(w, lowercase).trim();
        if ([...n].length > 1 && [...n].some(isCjkChar)) bump(words, n);
      }
    }
    for (const tok of basicTokenize(text, { lowercase, specials })) {
      if (tok.special) continue;
      for (const ch of tok.chars) {
        bump(chars, ch);
        if (!isCjkChar(ch) && !isPunctuationChar(ch)) bump(chars, `##${ch}`);
      }
      if (tok.chars.length > 1) bump(words, tok.chars.join(''));
    }
  }
  const byCount = (m: Map<string, number>, min: number): string[] =>
    [...m.entries()]
      .filter(([, n]) => n >= min)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([t]) => t);
  const out: string[] = [...SPECIAL_TOKENS];
  const seen = new Set<string>(out);
  for (const t of [...byCount(chars, 1), ...byCount(words, minCount)]) {
    if (!seen.has(t)) {
      seen.add(t);
      out.push(t);
    }
  }
  return out;
}
