/**
 * python jieba's block splitting (jieba 0.42.1 `re_han_default`, `re_skip_default`, and finalseg's
 * `re_han` / `re_skip`). Only "han" blocks reach the dictionary; everything else is split without it.
 * JS `split` with one capture group behaves like python's `re.split`: captured separators sit at odd
 * indices, so parity tells blocks from the text between them.
 */

/** Runs of CJK ideographs, ASCII letters/digits and `+#&._%-`: segmented with the dictionary. */
const HAN_BLOCKS = /([\u4E00-\u9FD5a-zA-Z0-9+#&._%-]+)/;

/** `\r\n` or one character python's `\s` matches (JS `\s` differs: it takes U+FEFF, misses U+001C-1F, U+0085). */
const WHITESPACE = /(\r\n|[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000])/;

/** finalseg: runs of CJK ideographs, the only text the HMM labels. */
const HMM_HAN = /([\u4E00-\u9FD5]+)/;

/** finalseg: ASCII words and numbers (with one decimal part and a percent sign) kept whole. */
const HMM_SKIP = /([a-zA-Z0-9]+(?:\.\d+)?%?)/;

/**
 * Splits `text` as `Tokenizer.cut` does: each han block goes to `han`; between blocks, every
 * whitespace character (or `\r\n`) and every other code point goes to `out` on its own.
 */
export function splitBlocks(text: string, han: (block: string) => void, out: (piece: string) => void): void {
  const blocks = text.split(HAN_BLOCKS);
  for (let i = 0; i < blocks.length; i++) {
    const block = blocks[i];
    if (block.length === 0) continue;
    if (i % 2 === 1) {
      han(block);
      continue;
    }
    const parts = block.split(WHITESPACE);
    for (let j = 0; j < parts.length; j++) {
      if (j % 2 === 1) out(parts[j]);
      else for (const ch of parts[j]) out(ch);
    }
  }
}

/**
 * Splits a buffer for the HMM as finalseg.cut does: ideograph runs go to `han`; ASCII words/numbers and
 * the (non-empty) text between them go to `out` whole.
 */
export function splitHmmBlocks(text: string, han: (block: string) => void, out: (piece: string) => void): void {
  const blocks = text.split(HMM_HAN);
  for (let i = 0; i < blocks.length; i++) {
    const block = blocks[i];
    if (block.length === 0) continue;
    if (i % 2 === 1) {
      han(block);
      continue;
    }
    for (const part of block.split(HMM_SKIP)) if (part.length > 0) out(part);
  }
}

/** Whether a one-character word is an ASCII letter or digit (python's `re_eng`), buffered when HMM is off. */
export function isAsciiAlnum(word: string): boolean {
  if (word.length !== 1) return false;
  const c = word.charCodeAt(0);
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}
