/**
 * SentencePiece tokenizer against the generated fixture (spm.model + cases.json, recorded with the real
 * sentencepiece 0.1.97): ids, pieces and decode for every case, plus the API around them.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SentencePieceTokenizer, TokenizerError } from '../src/index.ts';
import { fixturePath } from '../../../test/helpers/paths.ts';

interface Case {
  text: string;
  ids: number[];
  pieces: string[];
  decode: string;
}
const dir = (...p: string[]): string => fixturePath('tokenizers', 'sentencepiece', ...p);
const fixture = JSON.parse(readFileSync(dir('cases.json'), 'utf8')) as {
  vocab_size: number;
  special_ids: { pad: number; eos: number; unk: number; bos: number };
  cases: Case[];
};
const vocabJson = JSON.parse(readFileSync(dir('vocab.json'), 'utf8')) as Array<{ id: number; piece: string }>;
const tok = SentencePieceTokenizer.fromFile(dir('spm.model'));
const caseOf = (text: string): Case => fixture.cases.find((c) => c.text === text) as Case;

describe('SentencePiece fixture cases (sentencepiece 0.1.97)', () => {
  it('has all 40 cases', () => {
    expect(fixture.cases).toHaveLength(40);
  });
  it.each(fixture.cases.map((c) => [JSON.stringify(c.text), c] as const))('%s: ids, pieces, decode', (_, c) => {
    expect(tok.encode(c.text)).toEqual(c.ids);
    expect(tok.encodeAsPieces(c.text)).toEqual(c.pieces);
    expect(tok.decode(c.ids)).toBe(c.decode);
  });
});

describe('SentencePieceTokenizer API', () => {
  it('vocab size and special ids match the fixture', () => {
    expect(tok.vocabSize).toBe(fixture.vocab_size);
    expect(tok.padId).toBe(fixture.special_ids.pad);
    expect(tok.eosId).toBe(fixture.special_ids.eos);
    expect(tok.unkId).toBe(fixture.special_ids.unk);
    expect(tok.bosId).toBe(fixture.special_ids.bos);
  });

  it('idToPiece / pieceToId agree with vocab.json for every id', () => {
    expect(vocabJson).toHaveLength(fixture.vocab_size);
    for (const { id, piece } of vocabJson) {
      expect(tok.idToPiece(id)).toBe(piece);
      expect(tok.pieceToId(piece)).toBe(id);
    }
    expect(tok.pieceToId('no-such-piece')).toBe(fixture.special_ids.unk);
  });

  it('empty and whitespace-only text encode to []', () => {
    expect(tok.encode('')).toEqual([]);
    expect(tok.encode(' \t\n ')).toEqual([]);
    expect(tok.decode([])).toBe('');
  });

  it('unseen characters become the unk id without throwing', () => {
    const ids = tok.encode('😀😀 ☃');
    expect(ids).toContain(fixture.special_ids.unk);
    // Runs of unknown characters merge into one unk (as in the 'ｶﾀｶﾅ' case: [3, 2]).
    expect(caseOf('ｶﾀｶﾅ').ids).toEqual(tok.encode('ｶﾀｶﾅ'));
  });

  it('decode rejects out-of-range ids, naming the id and the valid range', () => {
    expect(() => tok.decode([3, 2000])).toThrow(TokenizerError);
    expect(() => tok.decode([3, 2000])).toThrow(/id 2000 .*0\.\.1999/);
    expect(() => tok.decode([-1])).toThrow(/id -1/);
    expect(() => tok.idToPiece(1.5)).toThrow(/id 1\.5/);
  });

  it('control ids (pad, eos) vanish in decode', () => {
    const hw = caseOf('Hello world');
    expect(tok.decode([0, ...hw.ids, 1, 0])).toBe(hw.decode);
  });

  it('addEos appends </s>, per tokenizer or per call', () => {
    const hw = caseOf('Hello world');
    expect(tok.encode('Hello world', { addEos: true })).toEqual([...hw.ids, fixture.special_ids.eos]);
    const withEos = SentencePieceTokenizer.fromFile(dir('spm.model'), { addEos: true });
    expect(withEos.encode('Hello world')).toEqual([...hw.ids, fixture.special_ids.eos]);
    expect(withEos.encodeAsPieces('a')).toEqual([...caseOf('a').pieces, '</s>']);
    expect(withEos.encode('a', { addEos: false })).toEqual(caseOf('a').ids);
  });
});

describe('SentencePieceTokenizer.call (batch)', () => {
  const [a, the, hw] = ['a', 'the', 'Hello world'].map(caseOf);
  const eos = fixture.special_ids.eos;
  const pad = fixture.special_ids.pad;

  it('pads to the longest row with the pad id and masks the padding', () => {
    const out = tok.call(['a', 'Hello world', 'the'], { padding: true, addEos: true });
    const len = hw.ids.length + 1;
    expect(out.inputIds).toEqual([
      [...a.ids, eos, ...Array(len - a.ids.length - 1).fill(pad)],
      [...hw.ids, eos],
      [...the.ids, eos, ...Array(len - the.ids.length - 1).fill(pad)],
    ]);
    expect(out.attentionMask[0]).toEqual([1, 1, ...Array(len - 2).fill(0)]);
    expect(out.attentionMask[1]).toEqual(Array(len).fill(1));
  });

  it('truncates to maxLength keeping eos last, and pads to max_length', () => {
    const out = tok.call(['Hello world', 'a'], { maxLength: 4, padding: 'max_length', addEos: true });
    expect(out.inputIds).toEqual([
      [...hw.ids.slice(0, 3), eos],
      [...a.ids, eos, pad, pad],
    ]);
    expect(out.attentionMask).toEqual([
      [1, 1, 1, 1],
      [1, 1, 0, 0],
    ]);
  });

  it('without padding rows stay ragged', () => {
    const out = tok.call(['a', 'Hello world']);
    expect(out.inputIds).toEqual([a.ids, hw.ids]);
    expect(out.attentionMask.map((m) => m.length)).toEqual([a.ids.length, hw.ids.length]);
  });

  it('rejects a bad maxLength and max_length padding without maxLength', () => {
    expect(() => tok.call(['a'], { maxLength: 0 })).toThrow(/maxLength/);
    expect(() => tok.call(['a'], { padding: 'max_length' })).toThrow(/maxLength is required/);
  });
});
