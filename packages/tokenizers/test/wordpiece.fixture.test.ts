/**
 * Parity with Hugging Face's slow BertTokenizer (transformers 4.30.2) on the generated fixture:
 * 61 strings x do_lower_case true/false, plus 3 pairs; and rematch offsets on every fixture string.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { basicTokenize, normalizeText, Tokenizer } from '../src/wordpiece/index.ts';
import { fixturePath } from '../../../test/helpers/paths.ts';

interface Case {
  text: string;
  basic: string[];
  tokens: string[];
  ids: number[];
  encode: number[];
  decode_of_ids: string;
}
interface Pair {
  text_a: string;
  text_b: string;
  input_ids: number[];
  token_type_ids: number[];
  attention_mask: number[];
}
interface Setting {
  do_lower_case: boolean;
  cases: Case[];
  pairs: Pair[];
}

const dir = fixturePath('tokenizers', 'bert_wordpiece');
const fixture = JSON.parse(readFileSync(`${dir}/cases.json`, 'utf8')) as {
  vocab_size: number;
  settings: Record<string, Setting>;
};
const SPECIALS = new Set(['[CLS]', '[SEP]', '[MASK]', '[UNK]', '[PAD]']);
const vocabLines = readFileSync(`${dir}/vocab.txt`, 'utf8').split('\n').slice(0, -1);

for (const [name, setting] of Object.entries(fixture.settings)) {
  describe(`WordPiece parity, ${name}`, () => {
    const tok = Tokenizer.fromVocabFile(`${dir}/vocab.txt`, { lowercase: setting.do_lower_case });

    it('has the fixture vocab size and special ids at their lines', () => {
      expect(tok.vocabSize).toBe(fixture.vocab_size);
      expect(tok.clsTokenId).toBe(vocabLines.indexOf('[CLS]'));
      expect(tok.sepTokenId).toBe(vocabLines.indexOf('[SEP]'));
      expect(tok.padTokenId).toBe(vocabLines.indexOf('[PAD]'));
      expect(tok.unkTokenId).toBe(vocabLines.indexOf('[UNK]'));
      expect(tok.maskTokenId).toBe(vocabLines.indexOf('[MASK]'));
    });

    it.each(setting.cases.map((c) => [JSON.stringify(c.text), c] as const))('case %s', (_label, c) => {
      const { tokens } = tok.tokenizeWithOffsets(c.text);
      expect(tokens).toEqual(c.tokens);
      expect(tok.convertTokensToIds(tokens)).toEqual(c.ids);
      expect(tok.encode(c.text).inputIds).toEqual(c.encode);
      expect(tok.decode(c.ids)).toBe(c.decode_of_ids);
      const basic = basicTokenize(c.text, { lowercase: setting.do_lower_case, specials: SPECIALS });
      expect(basic.map((b) => b.chars.join(''))).toEqual(c.basic);
    });

    it('decodes with skipSpecialTokens', () => {
      const c = setting.cases.find((x) => x.text === '[CLS] hello [SEP]') as Case;
      expect(tok.decode(c.encode)).toBe('[CLS] [CLS] hello [SEP] [SEP]');
      expect(tok.decode(c.encode, { skipSpecialTokens: true })).toBe('hello');
    });

    it.each(setting.pairs.map((p) => [`${p.text_a} | ${p.text_b}`, p] as const))('pair %s', (_label, p) => {
      const e = tok.encode(p.text_a, p.text_b);
      expect(e.inputIds).toEqual(p.input_ids);
      expect(e.tokenTypeIds).toEqual(p.token_type_ids);
      // Offsets of type-1 tokens point into the second text.
      e.tokens.forEach((t, i) => {
        const off = e.offsets[i];
        if (off === null) return;
        const src = e.tokenTypeIds[i] === 0 ? p.text_a : p.text_b;
        expect(normalizeText(src.slice(off[0], off[1]), setting.do_lower_case)).toBe(t.replace(/^##/, ''));
      });
      const batch = tok.call([p.text_a], { textPair: [p.text_b] });
      expect(batch.inputIds[0]).toEqual(p.input_ids);
      expect(batch.tokenTypeIds[0]).toEqual(p.token_type_ids);
      expect(batch.attentionMask[0]).toEqual(p.attention_mask);
    });

    it('rematch maps every token of every fixture string back to its text', () => {
      for (const c of setting.cases) {
        const offsets = tok.rematch(c.text, c.tokens);
        expect(offsets).toHaveLength(c.tokens.length);
        let prevEnd = 0;
        c.tokens.forEach((t, i) => {
          const off = offsets[i];
          expect(off, `${JSON.stringify(c.text)} token ${i} ${t}`).not.toBeNull();
          const [s, e] = off as [number, number];
          expect(s).toBeGreaterThanOrEqual(prevEnd);
          expect(e).toBeGreaterThan(s);
          expect(e).toBeLessThanOrEqual(c.text.length);
          prevEnd = e;
          const slice = c.text.slice(s, e);
          if (t === '[UNK]' && slice !== '[UNK]') {
            // An unknown word: the span is the whole basic token.
            expect(c.basic).toContain(normalizeText(slice, setting.do_lower_case));
          } else if (SPECIALS.has(t)) {
            expect(slice).toBe(t);
          } else {
            expect(normalizeText(slice, setting.do_lower_case)).toBe(t.replace(/^##/, ''));
          }
        });
        // With the [CLS]/[SEP] that encode adds, those two map to null and the rest is unchanged.
        const wrapped = tok.rematch(c.text, ['[CLS]', ...c.tokens, '[SEP]']);
        expect(wrapped).toEqual([null, ...offsets, null]);
      }
    });
  });
}
