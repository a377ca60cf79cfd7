/**
 * Character classes used by BERT's basic tokenizer, defined per code point exactly as Google's / Hugging
 * Face's `tokenization_bert.py` does (Unicode general categories plus a few ASCII ranges).
 */

/** Bit flags of a code point's class. */
export const CONTROL = 1;
export const WHITESPACE = 2;
export const PUNCT = 4;
export const MARK_NONSPACING = 8;
export const CJK = 16;

const CONTROL_RE = /^\p{C}$/u;
const SPACE_SEP_RE = /^\p{Zs}$/u;
const PUNCT_RE = /^\p{P}$/u;
const MN_RE = /^\p{Mn}$/u;

/**
 * Whether `cp` is a CJK Unified Ideograph (the blocks BERT splits into single characters). Hangul, kana
 * and CJK punctuation are deliberately not included, as in BERT.
 */
export function isCjkCodePoint(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/** Computes the class bits of one code point from the Unicode property regexes (slow path). */
function classify(cp: number): number {
  // Lone surrogates are category Cs, hence control, as in Python.
  const ch = String.fromCodePoint(cp);
  let bits = 0;
  // \t \n \r are whitespace, not control; U+2028/2029 (Zl/Zp) split words in Python's str.split().
  if (
    cp === 0x20 ||
    cp === 0x09 ||
    cp === 0x0a ||
    cp === 0x0d ||
    cp === 0x2028 ||
    cp === 0x2029 ||
    SPACE_SEP_RE.test(ch)
  ) {
    bits |= WHITESPACE;
  } else if (CONTROL_RE.test(ch)) {
    bits |= CONTROL;
  }
  // ASCII symbols such as $ ^ ` are not Unicode P* but BERT treats them as punctuation.
  if (
    (cp >= 33 && cp <= 47) ||
    (cp >= 58 && cp <= 64) ||
    (cp >= 91 && cp <= 96) ||
    (cp >= 123 && cp <= 126) ||
    PUNCT_RE.test(ch)
  ) {
    bits |= PUNCT;
  }
  if (MN_RE.test(ch)) bits |= MARK_NONSPACING;
  if (isCjkCodePoint(cp)) bits |= CJK;
  return bits;
}

let bmpTable: Uint8Array | null = null;

/** The class bits of a code point; the BMP is tabulated once on first use (about 10 ms). */
export function charClass(cp: number): number {
  if (cp > 0xffff) return classify(cp);
  if (bmpTable === null) {
    const table = new Uint8Array(0x10000);
    for (let i = 0; i < 0x10000; i++) table[i] = classify(i);
    bmpTable = table;
  }
  return bmpTable[cp];
}

/** Whether the character (one code point) is punctuation in BERT's sense. */
export function isPunctuationChar(ch: string): boolean {
  return (charClass(ch.codePointAt(0) ?? 0) & PUNCT) !== 0;
}

/** Whether the character (one code point) is a CJK ideograph in BERT's sense. */
export function isCjkChar(ch: string): boolean {
  return isCjkCodePoint(ch.codePointAt(0) ?? 0);
}
