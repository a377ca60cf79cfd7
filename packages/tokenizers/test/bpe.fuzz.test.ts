/**
 * Seeded fuzz of byte-level BPE: random strings from every corner of Unicode (CJK, Hangul, emoji with
 * ZWJ and skin tones, combining marks, every White_Space character, controls, BOM, private use, lone
 * surrogates) must encode without error over a byte-complete vocabulary, decode back to the same text
 * (lone surrogates come back as U+FFFD, as UTF-8 cannot hold them), and give offsets inside the text and
 * in order. The vocabulary is built here: the 256 byte symbols plus merges written for the test.
 */
import { describe, expect, it } from 'vitest';
import { BYTE_TO_CHAR, ByteLevelBpeTokenizer, gpt2PreTokenize, parseMerges } from '../src/index.ts';
import { prng } from '../../../test/helpers/random.ts';

/** Merges that fire on English, CJK UTF-8 lead bytes, emoji lead bytes and space runs. */
const MERGES = `#version: 0.2
Ġ t
h e
Ġt he
i n
Ġ a
e r
o n
Ġ Ġ
ĠĠ ĠĠ
ä ¸
ð Ł
ðŁ ĺ
Ã ©
Ċ Ċ
`;

function byteCompleteTokenizer(): ByteLevelBpeTokenizer {
  const vocab = new Map<string, number>(BYTE_TO_CHAR.map((c, i) => [c, i]));
  for (const { a, b } of parseMerges(MERGES)) if (!vocab.has(a + b)) vocab.set(a + b, vocab.size);
  return new ByteLevelBpeTokenizer(vocab, parseMerges(MERGES), { source: 'fuzz vocabulary' });
}

const POOLS: Array<[number, number]> = [
  [0x61, 0x7a],
  [0x41, 0x5a],
  [0x30, 0x39],
  [0x20, 0x20],
  [0x20, 0x20],
  [0x21, 0x2f],
  [0x27, 0x27], // apostrophes for the contractions
  [0x09, 0x0d],
  [0x00, 0x1f],
  [0x7f, 0xa0],
  [0x85, 0x85],
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x2000, 0x200f],
  [0x2028, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x303f],
  [0xfeff, 0xfeff],
  [0x300, 0x36f],
  [0xc0, 0x24f],
  [0x370, 0x4ff],
  [0x600, 0x6ff],
  [0x900, 0x97f],
  [0x4e00, 0x9fff],
  [0xac00, 0xd7a3],
  [0xff01, 0xff5e],
  [0x1f300, 0x1f6ff],
  [0x1f3fb, 0x1f3ff], // skin tones
  [0x1d400, 0x1d7ff], // mathematical alphanumerics (astral letters and digits)
  [0xe000, 0xe0ff],
  [0xd800, 0xdfff], // lone surrogates
];

/** `text` with every lone surrogate replaced by U+FFFD (String.prototype.toWellFormed, ES2024). */
function wellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

function randomText(rand: () => number): string {
  const parts: string[] = [];
  const n = Math.floor(rand() * 48);
  for (let i = 0; i < n; i++) {
    const [lo, hi] = POOLS[Math.floor(rand() * POOLS.length)];
    const cp = lo + Math.floor(rand() * (hi - lo + 1));
    parts.push(cp >= 0xd800 && cp <= 0xdfff ? String.fromCharCode(cp) : String.fromCodePoint(cp));
    if (rand() < 0.05) parts.push("'s", "'ll", ' the', '\u200d');
  }
  return parts.join('');
}

describe('byte-level BPE fuzz (seeded)', () => {
  const tok = byteCompleteTokenizer();
  const rand = prng(20261204);
  const texts = Array.from({ length: 3000 }, () => randomText(rand));

  // Plain checks collected per property, one expect each: thousands of expect() calls would dominate the run.
  it('every string round-trips (lone surrogates as U+FFFD)', () => {
    const bad = texts.filter((text) => tok.decode(tok.encode(text)) !== wellFormed(text));
    expect(bad).toEqual([]);
    expect(texts.filter((t) => wellFormed(t) !== t).length).toBeGreaterThan(100); // lone surrogates were drawn
  });

  it('pieces concatenate to the text; tokens concatenate to its bytes', () => {
    const encoder = new TextEncoder();
    const bad = texts.filter((text) => {
      const bytes = [...encoder.encode(text)].map((b) => BYTE_TO_CHAR[b]).join('');
      return gpt2PreTokenize(text).join('') !== text || tok.tokenize(text).join('') !== bytes;
    });
    expect(bad).toEqual([]);
  });

  it('offsets are ordered, non-empty spans inside the text, ending at its end', () => {
    const bad = texts.filter((text) => {
      const enc = tok.encodeWithOffsets(text);
      if (enc.ids.join() !== tok.encode(text).join() || enc.offsets.length !== enc.ids.length) return true;
      let prev = 0;
      for (const [s, e] of enc.offsets) {
        if (s < prev || e <= s || e > text.length) return true;
        prev = s;
      }
      return enc.offsets.length > 0 && enc.offsets[enc.offsets.length - 1][1] !== text.length;
    });
    expect(bad).toEqual([]);
  });

  it('the merges fire (the test is not all single bytes)', () => {
    const ids = tok.encode(' the  theory 你好 😀😃 café\n\n');
    expect(ids.filter((id) => id >= 256).length).toBeGreaterThanOrEqual(6);
    expect(tok.decode(ids)).toBe(' the  theory 你好 😀😃 café\n\n');
  });
});
