/** loadVocab / vocabFromTokens: errors naming file and line, and bert4keras's simplified vocab on bert-chinese. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadVocab, Tokenizer, TokenizerError, vocabFromTokens } from '../src/wordpiece/index.ts';
import { sharedAvailable, sharedPath } from '../../../test/helpers/paths.ts';

const tmp = mkdtempSync(join(tmpdir(), 'wp-vocab-'));
function write(name: string, text: string): string {
  const p = join(tmp, name);
  writeFileSync(p, text, 'utf8');
  return p;
}

describe('loadVocab errors', () => {
  it('names a missing file', () => {
    const p = join(tmp, 'nope.txt');
    expect(() => loadVocab(p)).toThrow(TokenizerError);
    expect(() => loadVocab(p)).toThrow(p);
    expect(() => loadVocab(p)).toThrow(/not found/);
  });

  it('names file and line of a duplicate token and of its first occurrence', () => {
    const p = write('dup.txt', '[PAD]\nhello\nworld\nhello\n');
    expect(() => loadVocab(p)).toThrow(TokenizerError);
    expect(() => loadVocab(p)).toThrow(`${p}:4: duplicate token "hello" (first seen at ${p}:2)`);
  });

  it('names file and line of a blank line inside the vocab', () => {
    const p = write('blank.txt', 'a\nb\n\nc\n');
    expect(() => loadVocab(p)).toThrow(`${p}:3: blank token`);
  });

  it('accepts a trailing newline, none, CRLF and a BOM; ids are line numbers', () => {
    for (const text of ['a\nb\n##c\n', 'a\nb\n##c', 'a\r\nb\r\n##c\r\n', '\ufeffa\nb\n##c\n']) {
      const v = loadVocab(write('ok.txt', text));
      expect(v.vocab).toEqual(['a', 'b', '##c']);
      expect(v.tokenToId.get('##c')).toBe(2);
      expect(v.keepTokens).toBeNull();
    }
  });

  it('rejects an empty file and an unknown startsWith token', () => {
    expect(() => loadVocab(write('empty.txt', ''))).toThrow(/empty/);
    const p = write('small.txt', '[PAD]\n[UNK]\na\n');
    expect(() => loadVocab(p, { simplified: true, startsWith: ['[PAD]', '[CLS]'] })).toThrow(
      /"\[CLS\]" is not in the vocabulary/,
    );
  });

  it('vocabFromTokens names the array index', () => {
    expect(() => vocabFromTokens(['a', 'b', 'a'])).toThrow(
      'tokens[2]: duplicate token "a" (first seen at vocabFromTokens: tokens[0])',
    );
    expect(() => vocabFromTokens(['a', '', 'b'])).toThrow(/tokens\[1\]: blank token/);
  });

  it('the Tokenizer rejects a vocab without [UNK]', () => {
    expect(() => new Tokenizer(['[CLS]', '[SEP]', '[PAD]', 'a'])).toThrow(
      /unkToken "\[UNK\]" is not in the vocabulary/,
    );
  });
});

// Written here from the definition (BERT's CJK blocks, ASCII symbol ranges, Unicode P*), independently of src.
const CJK_RE = /[\u4E00-\u9FFF\u3400-\u4DBF\uF900-\uFAFF\u{20000}-\u{2A6DF}\u{2A700}-\u{2CEAF}\u{2F800}-\u{2FA1F}]/u;
const PUNCT_RE = /[!-/:-@[-`{-~\p{P}]/u;
const cannotBeEmitted = (t: string): boolean => {
  const stem = t.startsWith('##') ? t.slice(2) : t;
  return [...t].length > 1 && (CJK_RE.test(stem) || PUNCT_RE.test(stem));
};

describe.skipIf(!sharedAvailable('vocab/bert-chinese/vocab.txt'))('simplified vocab on bert-chinese', () => {
  const path = sharedPath('vocab', 'bert-chinese', 'vocab.txt');
  const original = readFileSync(path, 'utf8').split('\n').slice(0, -1);
  const startsWith = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
  const v = loadVocab(path, { simplified: true, startsWith });

  it('keeps startsWith first, then every token the tokenizer can emit, in id order', () => {
    expect(original).toHaveLength(21128);
    const expected = original.filter((t) => !startsWith.includes(t) && !cannotBeEmitted(t));
    console.log(`simplified bert-chinese vocab: ${v.vocab.length} of ${original.length} tokens kept`);
    expect(v.vocab).toEqual([...startsWith, ...expected]);
    expect(v.vocab.length).toBeGreaterThan(13000);
    expect(v.vocab.length).toBeLessThan(14000);
  });

  it('keepTokens are the original ids of the kept tokens, in new-id order', () => {
    const keep = v.keepTokens as number[];
    expect(keep).toHaveLength(v.vocab.length);
    expect(keep.filter((oldId, newId) => original[oldId] !== v.vocab[newId])).toEqual([]);
    expect(keep.slice(0, startsWith.length)).toEqual(startsWith.map((t) => original.indexOf(t)));
    const rest = keep.slice(startsWith.length);
    expect(rest.filter((id, i) => i > 0 && id <= rest[i - 1])).toEqual([]);
    expect(v.vocab.filter((t, i) => v.tokenToId.get(t) !== i)).toEqual([]);
  });

  it('every dropped token is one the tokenizer cannot emit', () => {
    const kept = new Set(v.vocab);
    const dropped = original.filter((t) => !kept.has(t));
    expect(dropped.length).toBe(original.length - v.vocab.length);
    expect(dropped.filter((t) => !cannotBeEmitted(t))).toEqual([]);
  });

  it('a simplified tokenizer gives the same tokens, and keepTokens maps its ids to the full ids', () => {
    const full = Tokenizer.fromVocabFile(path);
    const simp = Tokenizer.fromVocabFile(path, { simplified: true, startsWith });
    expect(simp.keepTokens).toEqual(v.keepTokens);
    for (const text of [
      '我爱北京天安门, Hello World 2023!',
      '（括号）《书名》“引号”……',
      '[CLS] 自然语言处理 [MASK] unaffable',
    ]) {
      const a = full.encode(text);
      const b = simp.encode(text);
      expect(b.tokens).toEqual(a.tokens);
      expect(b.inputIds.map((id) => (simp.keepTokens as number[])[id])).toEqual(a.inputIds);
    }
  });
});
