/**
 * Real BERT vocabularies from ../shared: bert-base-chinese on mixed Chinese/English text, uncased English on
 * text whose lower-casing changes length; plus the preTokenize (WoBERT-style) path.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normalizeText, Tokenizer } from '../src/wordpiece/index.ts';
import { fixturePath, sharedAvailable, sharedPath } from '../../../test/helpers/paths.ts';

/** Token -> line number (0-based), read straight from the file. */
function lineIds(path: string): Map<string, number> {
  const lines = readFileSync(path, 'utf8').split('\n');
  return new Map(lines.map((t, i) => [t, i]));
}

/** Checks that every token with an offset maps back to its own text. */
function expectExactOffsets(tok: Tokenizer, text: string): void {
  const { tokens, offsets } = tok.tokenizeWithOffsets(text);
  let prevEnd = 0;
  tokens.forEach((t, i) => {
    const off = offsets[i];
    expect(off, `${t} in ${text}`).not.toBeNull();
    const [s, e] = off as [number, number];
    expect(s).toBeGreaterThanOrEqual(prevEnd);
    prevEnd = e;
    if (t !== '[UNK]') expect(normalizeText(text.slice(s, e), tok.lowercase)).toBe(t.replace(/^##/, ''));
  });
}

describe.skipIf(!sharedAvailable('vocab/bert-chinese/vocab.txt'))('bert-base-chinese vocab', () => {
  const path = sharedPath('vocab', 'bert-chinese', 'vocab.txt');
  const ids = lineIds(path);
  const tok = Tokenizer.fromVocabFile(path);

  it('special ids are their line numbers', () => {
    expect(tok.vocabSize).toBe(21128);
    expect([tok.padTokenId, tok.unkTokenId, tok.clsTokenId, tok.sepTokenId, tok.maskTokenId]).toEqual(
      ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'].map((t) => ids.get(t)),
    );
  });

  it('tokenizes mixed Chinese / English text', () => {
    const text = '我爱北京天安门, Hello World 2023!';
    const e = tok.encode(text);
    // Each CJK char is its own token; English is lower-cased; punctuation is split off.
    expect(e.tokens.slice(0, 11)).toEqual(['[CLS]', ...'我爱北京天安门', ',', 'hello', 'world']);
    // The digits are WordPiece pieces whose stems spell "2023", then "!" and [SEP].
    const digits = e.tokens.slice(11, -2);
    expect(digits[0].startsWith('##')).toBe(false);
    expect(digits.map((t) => t.replace(/^##/, '')).join('')).toBe('2023');
    expect(e.tokens.slice(-2)).toEqual(['!', '[SEP]']);
    // Ids are the tokens' line numbers in the vocab file.
    expect(e.inputIds).toEqual(e.tokens.map((t) => ids.get(t)));
    expect(e.tokenTypeIds.every((t) => t === 0)).toBe(true);
    // Offsets: each Chinese char maps to itself.
    [...'我爱北京天安门'].forEach((_ch, i) => expect(e.offsets[i + 1]).toEqual([i, i + 1]));
    expect(text.slice(...(e.offsets[9] as [number, number]))).toBe('Hello');
    expectExactOffsets(tok, text);
  });

  it('keeps traditional and simplified characters apart, and emoji', () => {
    const e = tok.tokenize('國国😀');
    expect(e.slice(0, 2)).toEqual(['國', '国']);
    expect(ids.has('國') && ids.has('国')).toBe(true);
  });

  it('preTokenize: in-vocab words stay whole, others go through WordPiece, offsets exact', () => {
    const words = ['北京', '天安门', 'Hello'];
    // A toy segmenter: known words (longest first), else single characters; spaces dropped.
    const seg = (text: string): string[] => {
      const out: string[] = [];
      for (let i = 0; i < text.length; ) {
        const w = words.find((x) => text.startsWith(x, i));
        if (w) {
          out.push(w);
          i += w.length;
        } else {
          if (text[i] !== ' ') out.push(text[i]);
          i += 1;
        }
      }
      return out;
    };
    // A WoBERT-like vocab: the char vocab plus the word 北京 (but not 天安门).
    const vocab = [...readFileSync(path, 'utf8').split('\n').slice(0, -1), '北京'];
    const wo = new Tokenizer(vocab, { preTokenize: seg });
    const text = '我爱北京天安门 Hello';
    const { tokens, offsets } = wo.tokenizeWithOffsets(text);
    // 北京 is one token; 天安门 is not in the vocab, so it falls back to single characters; Hello -> hello.
    expect(tokens).toEqual(['我', '爱', '北京', '天', '安', '门', 'hello']);
    expect(wo.convertTokensToIds(tokens)[2]).toBe(vocab.length - 1);
    expect(offsets.map((o) => text.slice(...(o as [number, number])))).toEqual([
      '我',
      '爱',
      '北京',
      '天',
      '安',
      '门',
      'Hello',
    ]);
    expect(wo.rematch(text, ['[CLS]', ...tokens, '[SEP]'])).toEqual([null, ...offsets, null]);
    // A segmenter that rewrites words (not found in the text) gives null offsets, never an error.
    const odd = new Tokenizer(vocab, { preTokenize: () => ['北京', 'Qwerty'] });
    const r = odd.tokenizeWithOffsets('北京');
    expect(r.tokens).toEqual(['北京', ...tok.tokenize('Qwerty')]);
    expect(r.tokens.length).toBeGreaterThan(1);
    expect(r.offsets[0]).toEqual([0, 2]);
    expect(r.offsets.slice(1).every((o) => o === null)).toBe(true);
  });
});

describe.skipIf(!sharedAvailable('vocab/bert-uncased-en/vocab.txt'))('bert-base-uncased vocab', () => {
  const path = sharedPath('vocab', 'bert-uncased-en', 'vocab.txt');
  const ids = lineIds(path);
  const tok = Tokenizer.fromVocabFile(path);

  it('has the-1996 and specials at their lines', () => {
    expect(tok.tokenToId('the')).toBe(ids.get('the'));
    expect(tok.clsTokenId).toBe(ids.get('[CLS]'));
  });

  it('offsets are exact when lower-casing / accent stripping changes length', () => {
    // İ lower-cases to two code units; é is one unit that loses its accent; e+U+0301 is two units -> "e".
    const text = 'İSTANBUL Café cafe\u0301 NAÏVE ǅ\u200b straße ＡＢＣ';
    const { tokens, offsets } = tok.tokenizeWithOffsets(text);
    expect(tokens.slice(0, 4)).toEqual(['istanbul', 'cafe', 'cafe', 'naive']);
    expect(offsets.slice(0, 4).map((o) => text.slice(...(o as [number, number])))).toEqual([
      'İSTANBUL',
      'Café',
      'cafe\u0301',
      'NAÏVE',
    ]);
    expectExactOffsets(tok, text);
  });
});

describe('offsets on the fixture vocab with lower-casing', () => {
  it('is exact for text mixing accents and case', () => {
    const tok = Tokenizer.fromVocabFile(fixturePath('tokenizers', 'bert_wordpiece', 'vocab.txt'));
    expectExactOffsets(tok, 'ÜNÏCÖDÉ  àccénts, CAFÉ naïve!');
  });
});
