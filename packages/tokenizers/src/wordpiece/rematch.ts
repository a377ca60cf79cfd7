/**
 * Mapping an arbitrary token list back onto its text: tokens the tokenizer itself produced for that text
 * take their exact offsets; anything else is searched for in the normalized character stream.
 */
import type { BasicToken } from './basic.ts';
import { tokenStem } from './vocab.ts';

/** A UTF-16 [start, end) span in the original text, or null for a token with no text. */
export type Offset = [number, number] | null;

/** The tokenizer's own result for a text, plus its normalized character stream. */
export interface OwnTokens {
  tokens: string[];
  offsets: Offset[];
  basic: BasicToken[];
}

/** Aligns `tokens` against `own`, treating the first `lead` tokens as text-less; returns offsets and match count. */
function align(
  tokens: string[],
  own: OwnTokens,
  lead: number,
  textless: ReadonlySet<string>,
): { offsets: Offset[]; matched: number } {
  const offsets: Offset[] = [];
  let matched = 0;
  let j = 0;
  let cursor = 0; // original-text position below which nothing is searched again
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (i < lead) {
      offsets.push(null);
      continue;
    }
    if (j < own.tokens.length && own.tokens[j] === t) {
      const off = own.offsets[j++];
      offsets.push(off);
      if (off) cursor = off[1];
      matched++;
      continue;
    }
    if (textless.has(t)) {
      offsets.push(null);
      continue;
    }
    const found = search(tokenStem(t), own.basic, cursor);
    offsets.push(found);
    if (found) {
      cursor = found[1];
      // Resynchronise with our own tokens past the found span.
      while (j < own.tokens.length && (own.offsets[j]?.[0] ?? cursor) < cursor) j++;
    }
  }
  return { offsets, matched };
}

/** Finds `stem` as consecutive normalized characters at or after original position `from`. */
function search(stem: string, basic: BasicToken[], from: number): Offset {
  const want = [...stem];
  if (want.length === 0) return null;
  for (const b of basic) {
    if (b.ends[b.ends.length - 1] <= from) continue;
    for (let k = 0; k + want.length <= b.chars.length; k++) {
      if (b.starts[k] < from) continue;
      let ok = true;
      for (let m = 0; m < want.length && ok; m++) ok = b.chars[k + m] === want[m];
      if (ok) return [b.starts[k], b.ends[k + want.length - 1]];
    }
  }
  return null;
}

/**
 * Offsets for `tokens` (which may carry a leading [CLS], trailing [SEP]/[PAD], or be truncated). Tries the
 * alignment with and without a leading `clsToken` treated as added, keeping the one that matches more of our
 * own tokens (a tie goes to "added", as `encode` output starts with an added [CLS]).
 */
export function rematchTokens(
  tokens: string[],
  own: OwnTokens,
  clsToken: string,
  textless: ReadonlySet<string>,
): Offset[] {
  const plain = align(tokens, own, 0, textless);
  if (tokens.length === 0 || tokens[0] !== clsToken) return plain.offsets;
  const led = align(tokens, own, 1, textless);
  return led.matched >= plain.matched ? led.offsets : plain.offsets;
}
