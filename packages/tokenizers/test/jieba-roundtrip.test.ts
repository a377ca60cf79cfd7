/**
 * Words must concatenate back to the input exactly (the WordPiece tokenizer locates them for offsets),
 * with whitespace split as python jieba splits it: one character per word, "\r\n" kept together.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixturePath } from '../../../test/helpers/paths.ts';
import { getDefaultSegmenter } from '../src/jieba/index.ts';
import { prng } from '../../../test/helpers/random.ts';

const cases = (
  JSON.parse(readFileSync(fixturePath('tokenizers', 'jieba', 'cases.json'), 'utf8')) as {
    results: { python_with_nodejieba_dict_plus_userdict: { text: string }[] };
  }
).results.python_with_nodejieba_dict_plus_userdict;

/** python's `\s` (str.isspace characters), which jieba's re_skip_default yields one by one. */
const PY_SPACE = /^[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/;

// Hanzi from the fixture sentences, ASCII, punctuation (incl. the han-block symbols +#&._%-), every kind
// of whitespace python and JS disagree on, fullwidth forms, astral characters and lone surrogates.
const hanzi = [
  ...new Set(
    cases
      .map((c) => c.text)
      .join('')
      .match(/[\u4e00-\u9fd5]/g) ?? [],
  ),
];
const extras = [
  ...'abcXYZ0123456789+#&._%-@()[]，。！？、“”《》（）：；',
  ' ',
  '\t',
  '\n',
  '\r',
  '\r\n',
  '\v',
  '\f',
  '\x1c',
  '\x85',
  '\xa0',
  '\u2028',
  '\u3000',
  '\ufeff',
  'ＡＢＣ',
  '１２',
  '😀',
  '𠀀',
  '\ud800',
  '\udc00',
  '繁體',
  'é',
  'ß',
];
const alphabet = [...hanzi, ...extras];

function randomText(next: () => number): string {
  const n = Math.floor(next() * 48);
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(next() * alphabet.length)];
  return s;
}

/** What is wrong with a segmentation, if anything (plain checks: thousands run per test). */
function problems(text: string, words: string[]): string[] {
  const bad: string[] = [];
  if (words.join('') !== text) bad.push(`${JSON.stringify(text)}: words do not concatenate back`);
  for (const w of words) {
    if (w.length === 0) bad.push(`${JSON.stringify(text)}: empty word`);
    // Whitespace never hides inside a longer word: each is its own word ("\r\n" as one).
    else if (w !== '\r\n' && [...w].length > 1 && [...w].some((ch) => PY_SPACE.test(ch))) {
      bad.push(`${JSON.stringify(text)}: whitespace inside ${JSON.stringify(w)}`);
    }
  }
  return bad;
}

describe('concatenation round trip', () => {
  const seg = getDefaultSegmenter();

  it('on all 60 fixture sentences, HMM off and on', () => {
    const bad = cases.flatMap((c) => [
      ...problems(c.text, seg.cut(c.text)),
      ...problems(c.text, seg.cut(c.text, { hmm: true })),
    ]);
    expect(bad).toEqual([]);
  });

  it('on 2000 seeded random strings, HMM off and on', () => {
    const next = prng(20240601);
    const bad: string[] = [];
    let words = 0;
    for (let i = 0; i < 2000; i++) {
      const text = randomText(next);
      const off = seg.cut(text);
      const on = seg.cut(text, { hmm: true });
      words += off.length;
      bad.push(...problems(text, off), ...problems(text, on));
    }
    expect(bad).toEqual([]);
    expect(words).toBeGreaterThan(20000);
  });

  it('whitespace as python jieba yields it (fixture sentences)', () => {
    const byText = new Map(
      (
        JSON.parse(readFileSync(fixturePath('tokenizers', 'jieba', 'cases.json'), 'utf8')) as {
          results: { python_with_nodejieba_dict_plus_userdict: { text: string; hmm_false: string[] }[] };
        }
      ).results.python_with_nodejieba_dict_plus_userdict.map((c) => [c.text, c.hmm_false]),
    );
    for (const text of ['我 爱 你', 'hello world', '', '   ', '深度学习deep learning模型']) {
      expect(seg.cut(text)).toEqual(byText.get(text));
    }
  });

  it('keeps "\\r\\n" together and astral characters whole', () => {
    const words = seg.cut('你好\r\n世界😀\r\r\n');
    expect(words.filter((w) => w === '\r\n')).toHaveLength(2);
    expect(words).toContain('😀');
    expect(words).toContain('\r');
  });
});
