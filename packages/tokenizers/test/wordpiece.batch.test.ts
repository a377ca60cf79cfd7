/** Truncation (Hugging Face longest_first rule) and padding of encode and the batch call, on the fixture vocab. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Tokenizer, TokenizerError } from '../src/wordpiece/index.ts';
import { fixturePath } from '../../../test/helpers/paths.ts';

const dir = fixturePath('tokenizers', 'bert_wordpiece');
const cases = JSON.parse(readFileSync(`${dir}/cases.json`, 'utf8')).settings['do_lower_case=true'].cases as Array<{
  text: string;
  ids: number[];
  encode: number[];
}>;
const lines = readFileSync(`${dir}/vocab.txt`, 'utf8').split('\n');
const CLS = lines.indexOf('[CLS]');
const SEP = lines.indexOf('[SEP]');
const PAD = lines.indexOf('[PAD]');
const ref = (text: string): { text: string; ids: number[]; encode: number[] } => {
  const c = cases.find((x) => x.text === text);
  if (!c) throw new Error(`no fixture case ${text}`);
  return c;
};

/** HF's rule written plainly: drop one token at a time from the longer side, from the second on ties. */
function hfTruncate(a: number[], b: number[], budget: number): [number[], number[]] {
  const x = a.slice();
  const y = b.slice();
  while (x.length + y.length > budget) {
    if (x.length > y.length) x.pop();
    else y.pop();
  }
  return [x, y];
}

describe('encode truncation', () => {
  const tok = Tokenizer.fromVocabFile(`${dir}/vocab.txt`);

  it('truncates a single text to maxLength, keeping [CLS] ... [SEP]', () => {
    const c = ref('tokenization transformers');
    for (const maxLength of [2, 3, 4, 5, 6, 100]) {
      const e = tok.encode(c.text, undefined, { maxLength });
      const keep = Math.max(0, Math.min(c.ids.length, maxLength - 2));
      expect(e.inputIds).toEqual([CLS, ...c.ids.slice(0, keep), SEP]);
      expect(e.offsets).toHaveLength(e.inputIds.length);
    }
  });

  it('truncates pairs longest-first, ties from the second text', () => {
    const a = ref('自然语言处理（NLP）是人工智能的一个分支。');
    const b = ref('playing played plays');
    for (const maxLength of [3, 5, 8, 9, 10, 11, 20, 40]) {
      const [x, y] = hfTruncate(a.ids, b.ids, maxLength - 3);
      const e = tok.encode(a.text, b.text, { maxLength });
      expect(e.inputIds).toEqual([CLS, ...x, SEP, ...y, SEP]);
      expect(e.tokenTypeIds).toEqual([0, ...x.map(() => 0), 0, ...y.map(() => 1), 1]);
    }
    // An exact tie: equal lengths lose from the second first.
    const p = ref('hello, world.');
    const e = tok.encode(p.text, p.text, { maxLength: 3 + 2 * p.ids.length - 1 });
    expect(e.inputIds).toEqual([CLS, ...p.ids, SEP, ...p.ids.slice(0, -1), SEP]);
  });

  it('only_first / only_second / false', () => {
    const a = ref('tokenization transformers');
    const b = ref('hello, world.');
    expect(tok.encode(a.text, b.text, { maxLength: 7, truncation: 'only_first' }).inputIds).toEqual([
      CLS,
      SEP,
      ...b.ids,
      SEP,
    ]);
    expect(tok.encode(a.text, b.text, { maxLength: 8, truncation: 'only_second' }).inputIds).toEqual([
      CLS,
      ...a.ids,
      SEP,
      ...b.ids.slice(0, 1),
      SEP,
    ]);
    expect(tok.encode(a.text, b.text, { maxLength: 5, truncation: false }).inputIds).toEqual([
      CLS,
      ...a.ids,
      SEP,
      ...b.ids,
      SEP,
    ]);
  });

  it('a text far longer than maxLength is truncated, not an error', () => {
    const e = tok.encode('hello '.repeat(5000), undefined, { maxLength: 16 });
    expect(e.inputIds).toEqual([CLS, ...new Array(14).fill(ref('hello').ids[0]), SEP]);
  });

  it('rejects a maxLength with no room for the special tokens', () => {
    expect(() => tok.encode('hello', undefined, { maxLength: 1 })).toThrow(TokenizerError);
    expect(() => tok.encode('hello', 'world', { maxLength: 2 })).toThrow(/maxLength must be an integer >= 3/);
  });
});

describe('batch call', () => {
  const tok = Tokenizer.fromVocabFile(`${dir}/vocab.txt`);
  const texts = ['hello', 'unaffable', 'tokenization transformers', ''];
  const rows = texts.map((t) => ref(t).encode);

  it('without padding returns ragged rows equal to encode', () => {
    const b = tok.call(texts);
    expect(b.inputIds).toEqual(rows);
    expect(b.attentionMask).toEqual(rows.map((r) => r.map(() => 1)));
    expect(b.tokenTypeIds).toEqual(rows.map((r) => r.map(() => 0)));
  });

  it('pads to the longest row with [PAD] and mask 0', () => {
    const longest = Math.max(...rows.map((r) => r.length));
    for (const padding of [true, 'longest'] as const) {
      const b = tok.call(texts, { padding });
      expect(b.inputIds).toEqual(rows.map((r) => [...r, ...new Array(longest - r.length).fill(PAD)]));
      expect(b.attentionMask).toEqual(rows.map((r) => [...r.map(() => 1), ...new Array(longest - r.length).fill(0)]));
      expect(b.tokenTypeIds.every((r) => r.length === longest && r.every((x) => x === 0))).toBe(true);
    }
  });

  it("pads to maxLength with 'max_length' and truncates longer rows", () => {
    const b = tok.call(texts, { padding: 'max_length', maxLength: 5 });
    const want = rows.map((r) =>
      r.length > 5 ? [...r.slice(0, 4), SEP] : [...r, ...new Array(5 - r.length).fill(PAD)],
    );
    expect(b.inputIds).toEqual(want);
    expect(b.attentionMask).toEqual(want.map((r, i) => r.map((_, k) => (k < rows[i].length ? 1 : 0))));
  });

  it('pairs: token types 1 on the second text, padding after', () => {
    const b = tok.call(['hello', 'unaffable'], { textPair: ['hello, world.', ''], padding: true });
    const r0 = [CLS, ...ref('hello').ids, SEP, ...ref('hello, world.').ids, SEP];
    const r1 = [CLS, ...ref('unaffable').ids, SEP, SEP];
    expect(b.inputIds).toEqual([r0, [...r1, ...new Array(r0.length - r1.length).fill(PAD)]]);
    expect(b.tokenTypeIds[1]).toEqual([0, 0, 0, 0, 0, 1, ...new Array(r0.length - r1.length).fill(0)]);
    expect(() => tok.call(['a', 'b'], { textPair: ['c'] })).toThrow(/textPair has 1 entries but texts has 2/);
  });

  it('truncation: true without maxLength uses 512; a huge text is cut, not an error', () => {
    const b = tok.call(['hello '.repeat(3000), 'hello'], { truncation: true, padding: true });
    expect(b.inputIds[0]).toHaveLength(512);
    expect(b.inputIds[0][511]).toBe(SEP);
    expect(b.attentionMask[1].filter((x) => x === 1)).toHaveLength(3);
  });
});
