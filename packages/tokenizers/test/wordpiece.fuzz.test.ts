/**
 * Seeded fuzz: random code points (combining marks, controls, ZWJ/BOM, emoji, lone surrogates, CJK, long
 * runs without spaces). The tokenizer must return, with ids in range and offsets inside the text and in order.
 */
import { describe, expect, it } from 'vitest';
import { lowerStrip } from '../src/wordpiece/basic.ts';
import { normalizeText, Tokenizer } from '../src/wordpiece/index.ts';
import { fixturePath } from '../../../test/helpers/paths.ts';
import { prng } from '../../../test/helpers/random.ts';

/** [lo, hi] code point ranges; lone surrogates are emitted as single UTF-16 units. */
const POOLS: Array<[number, number]> = [
  [0x61, 0x7a],
  [0x41, 0x5a],
  [0x30, 0x39],
  [0x21, 0x2f],
  [0x20, 0x20],
  [0x09, 0x0d], // ASCII
  [0x00, 0x1f],
  [0x7f, 0x9f], // controls
  [0x300, 0x36f], // combining marks
  [0xc0, 0x17f],
  [0x370, 0x3ff],
  [0x400, 0x4ff], // accented Latin, Greek, Cyrillic
  [0x200b, 0x200f],
  [0xfeff, 0xfeff],
  [0x2028, 0x2029],
  [0xfffd, 0xfffd], // format, line sep, replacement
  [0x4e00, 0x9fff],
  [0x3000, 0x303f],
  [0xac00, 0xd7a3],
  [0xff01, 0xff5e], // CJK, CJK punct, Hangul, fullwidth
  [0x1f600, 0x1f64f],
  [0x1f900, 0x1f9ff], // emoji (surrogate pairs)
  [0xd800, 0xdfff], // lone surrogates
  [0xe000, 0xe0ff],
  [0x0378, 0x0379], // private use, unassigned
  [0xfb00, 0xfb06],
  [0x130, 0x130],
  [0x1c4, 0x1cc], // ligatures, İ, DŽ family (length-changing case maps)
];

function randomText(rand: () => number): string {
  const parts: string[] = [];
  if (rand() < 0.05) {
    // A very long run with no whitespace.
    const [lo, hi] = POOLS[Math.floor(rand() * 4)];
    const n = 201 + Math.floor(rand() * 300);
    for (let i = 0; i < n; i++) parts.push(String.fromCharCode(lo + Math.floor(rand() * (hi - lo + 1))));
    return parts.join('');
  }
  const n = Math.floor(rand() * 40);
  for (let i = 0; i < n; i++) {
    const [lo, hi] = POOLS[Math.floor(rand() * POOLS.length)];
    const cp = lo + Math.floor(rand() * (hi - lo + 1));
    parts.push(cp >= 0xd800 && cp <= 0xdfff ? String.fromCharCode(cp) : String.fromCodePoint(cp));
  }
  return parts.join('');
}

describe('WordPiece fuzz (seeded)', () => {
  const vocabPath = fixturePath('tokenizers', 'bert_wordpiece', 'vocab.txt');
  for (const lowercase of [true, false]) {
    it(`never throws; ids in range; offsets inside the text and in order (lowercase=${lowercase})`, () => {
      const tok = Tokenizer.fromVocabFile(vocabPath, { lowercase });
      const rand = prng(lowercase ? 1234 : 5678);
      let checkedSpans = 0;
      // Violations are collected and asserted once (thousands of expect() calls would dominate the run).
      const bad: string[] = [];
      for (let n = 0; n < 1000; n++) {
        const text = randomText(rand);
        const label = JSON.stringify(text);
        const e = tok.encode(text, undefined, { maxLength: 64 });
        if (e.inputIds.length > 64) bad.push(`${label}: ${e.inputIds.length} ids > maxLength 64`);
        if (e.inputIds.some((id) => !Number.isInteger(id) || id < 0 || id >= tok.vocabSize))
          bad.push(`${label}: id out of range`);
        const { tokens, offsets } = tok.tokenizeWithOffsets(text);
        if (offsets.length !== tokens.length)
          bad.push(`${label}: ${offsets.length} offsets for ${tokens.length} tokens`);
        // Pieces map each character to one output when every character normalizes to at most one.
        const simple = !lowercase || [...text].every((ch) => lowerStrip(ch).length <= 1);
        let prevEnd = 0;
        tokens.forEach((t, i) => {
          const off = offsets[i];
          if (off === null) return;
          const [s, end] = off;
          if (!(Number.isInteger(s) && Number.isInteger(end) && s >= prevEnd && end > s && end <= text.length)) {
            bad.push(`${label}: token ${i} ${t} has offsets [${s}, ${end}) after ${prevEnd}`);
          }
          prevEnd = end;
          if (simple && t !== '[UNK]') {
            const got = normalizeText(text.slice(s, end), lowercase);
            if (got !== t.replace(/^##/, '')) bad.push(`${label}: token ${i} ${t} maps to ${JSON.stringify(got)}`);
            checkedSpans++;
          }
        });
        if (tok.rematch(text, tokens).length !== tokens.length) bad.push(`${label}: rematch length`);
        if (typeof tok.decode(e.inputIds) !== 'string') bad.push(`${label}: decode`);
      }
      expect(bad).toEqual([]);
      expect(checkedSpans).toBeGreaterThan(100);
    });
  }

  it('never throws with a preTokenize that cuts the text into random chunks; offsets stay in order', () => {
    // Chunks of 1-4 code units (so surrogate pairs may be cut apart), as a jieba stand-in.
    const chunker = (text: string): string[] => {
      const out: string[] = [];
      for (let i = 0, k = 0; i < text.length; k++) {
        const len = 1 + ((text.charCodeAt(i) + k) % 4);
        out.push(text.slice(i, i + len));
        i += len;
      }
      return out;
    };
    const tok = Tokenizer.fromVocabFile(vocabPath, { preTokenize: chunker });
    const rand = prng(99);
    const bad: string[] = [];
    for (let n = 0; n < 500; n++) {
      const text = randomText(rand);
      const { tokens, offsets } = tok.tokenizeWithOffsets(text);
      let prevEnd = 0;
      tokens.forEach((t, i) => {
        const off = offsets[i];
        if (off === null) return;
        if (!(off[0] >= prevEnd && off[1] > off[0] && off[1] <= text.length))
          bad.push(`${JSON.stringify(text)}: ${t} [${off}] after ${prevEnd}`);
        prevEnd = off[1];
      });
      const ids = tok.encode(text).inputIds;
      if (ids.some((id) => id < 0 || id >= tok.vocabSize)) bad.push(`${JSON.stringify(text)}: id out of range`);
    }
    expect(bad).toEqual([]);
  });
});
