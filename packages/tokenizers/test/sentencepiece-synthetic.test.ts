/**
 * SentencePiece features the real models here do not exercise, on tiny hand-built models whose expected
 * segmentations follow by hand from sentencepiece's rules: byte fallback, user-defined and unused pieces,
 * the BPE model type, normalizer flags, and load-time validation.
 */
import { describe, expect, it } from 'vitest';
import {
  encodeModelProto,
  SentencePieceModelType,
  SentencePieceNormalizer,
  SentencePieceTokenizer,
  SentencePieceType as T,
  TokenizerError,
  type SentencePieceEntry,
} from '../src/index.ts';

const hex = (b: number): string => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;
const SPECIALS: SentencePieceEntry[] = [
  { piece: '<unk>', score: 0, type: T.UNKNOWN },
  { piece: '<s>', score: 0, type: T.CONTROL },
  { piece: '</s>', score: 0, type: T.CONTROL },
];
const BYTES: SentencePieceEntry[] = Array.from({ length: 256 }, (_, b) => ({ piece: hex(b), score: 0, type: T.BYTE }));
const BYTE0 = 3; // id of <0x00>

describe('unigram with byte fallback, user-defined and unused pieces', () => {
  const pieces: SentencePieceEntry[] = [
    ...SPECIALS,
    ...BYTES,
    { piece: '▁', score: -1, type: T.NORMAL }, // 259
    { piece: 'a', score: -2, type: T.NORMAL }, // 260
    { piece: 'b', score: -2, type: T.NORMAL }, // 261
    { piece: '▁ab', score: -1.5, type: T.NORMAL }, // 262
    { piece: '<sep>', score: 0, type: T.USER_DEFINED }, // 263
    { piece: 'ba', score: 0, type: T.UNUSED }, // 264
  ];
  const tok = SentencePieceTokenizer.fromBytes(
    encodeModelProto({
      pieces,
      trainerSpec: { byteFallback: true, vocabSize: pieces.length },
      normalizerSpec: { name: 'identity' },
    }),
    { source: 'byte-fallback.model' },
  );

  it('unknown characters become their UTF-8 byte pieces, one per byte, unmerged', () => {
    // "▁ab" (-1.5) beats ▁+a+b (-5); é = C3 A9 has no piece.
    expect(tok.encode('ab é')).toEqual([262, 259, BYTE0 + 0xc3, BYTE0 + 0xa9]);
    expect(tok.encodeAsPieces('ab é')).toEqual(['▁ab', '▁', '<0xC3>', '<0xA9>']);
    expect(tok.encode('éé')).toEqual([259, BYTE0 + 0xc3, BYTE0 + 0xa9, BYTE0 + 0xc3, BYTE0 + 0xa9]);
    expect(tok.encode('ab é')).not.toContain(tok.unkId);
  });

  it('byte pieces decode back to UTF-8; broken sequences give one U+FFFD per byte', () => {
    expect(tok.decode([262, 259, BYTE0 + 0xc3, BYTE0 + 0xa9])).toBe('ab é');
    expect(tok.decode([262, ...[0xf0, 0x9f, 0x98, 0x80].map((b) => BYTE0 + b)])).toBe('ab😀');
    expect(tok.decode([BYTE0 + 0xe2, BYTE0 + 0x82, 260])).toBe('\ufffd\ufffda');
  });

  it('user-defined pieces are matched whole, unused pieces never produced', () => {
    expect(tok.encode('a<sep>b')).toEqual([259, 260, 263, 261]);
    expect(tok.encode('ba')).toEqual([259, 261, 260]);
  });
});

describe('BPE model type', () => {
  const pieces: SentencePieceEntry[] = [
    ...SPECIALS,
    { piece: 'ab', score: -1, type: T.NORMAL }, // 3
    { piece: 'bc', score: -2, type: T.NORMAL }, // 4
    { piece: '▁ab', score: -3, type: T.NORMAL }, // 5
    { piece: 'abc', score: -0.5, type: T.NORMAL }, // 6
    { piece: '▁', score: -10, type: T.NORMAL }, // 7
    { piece: 'a', score: -10, type: T.NORMAL }, // 8
    { piece: 'b', score: -10, type: T.NORMAL }, // 9
    { piece: 'c', score: -10, type: T.NORMAL }, // 10
    { piece: 'aa', score: -1.5, type: T.NORMAL }, // 11
    { piece: 'cc', score: -0.1, type: T.UNUSED }, // 12
  ];
  const tok = SentencePieceTokenizer.fromBytes(
    encodeModelProto({
      pieces,
      trainerSpec: { modelType: SentencePieceModelType.BPE, vocabSize: pieces.length },
      normalizerSpec: { name: 'identity' },
    }),
  );

  it('merges the best-scoring pair first', () => {
    // ▁ a b c: ab(-1) first, then abc(-0.5) beats ▁ab(-3); ▁abc is no piece.
    expect(tok.encode('abc')).toEqual([7, 6]);
    expect(tok.encode('ab')).toEqual([5]);
  });

  it('breaks score ties leftmost, maps non-pieces to unk, splits unused merges back', () => {
    expect(tok.encode('aaa')).toEqual([7, 11, 8]);
    expect(tok.encode('bcd')).toEqual([7, 4, 0]);
    expect(tok.decode([7, 4, 0])).toBe('bc \u2047 ');
    expect(tok.encode('cc')).toEqual([7, 10, 10]);
  });
});

describe('normalizer flags (identity rule, no charsmap)', () => {
  const spec = {
    name: 'identity',
    precompiledCharsmap: new Uint8Array(0),
    addDummyPrefix: true,
    removeExtraWhitespaces: true,
    escapeWhitespaces: true,
  };
  it('collapses and trims spaces, adds the dummy prefix, escapes as U+2581', () => {
    expect(new SentencePieceNormalizer(spec).normalize('  a  b  ')).toBe('▁a▁b');
    expect(new SentencePieceNormalizer({ ...spec, removeExtraWhitespaces: false }).normalize('  a  b ')).toBe(
      '▁▁▁a▁▁b▁',
    );
    expect(new SentencePieceNormalizer({ ...spec, addDummyPrefix: false }).normalize('a b')).toBe('a▁b');
    expect(new SentencePieceNormalizer({ ...spec, escapeWhitespaces: false }).normalize(' a  b')).toBe(' a b');
    expect(new SentencePieceNormalizer(spec, { treatWhitespaceAsSuffix: true }).normalize('a b')).toBe('a▁b▁');
    expect(new SentencePieceNormalizer(spec).normalize('   ')).toBe('');
  });

  it('a broken precompiled charsmap is reported with the model name', () => {
    const broken = { ...spec, precompiledCharsmap: new Uint8Array([0xff, 0, 0, 0, 1, 2]) };
    expect(() => new SentencePieceNormalizer(broken, { source: 'x.model' })).toThrow(
      /x\.model: normalizer_spec\.precompiled_charsmap is broken/,
    );
  });
});

describe('model validation', () => {
  const normal: SentencePieceEntry[] = [{ piece: 'a', score: -1, type: T.NORMAL }];
  const load = (pieces: SentencePieceEntry[], trainerSpec = {}): SentencePieceTokenizer =>
    SentencePieceTokenizer.fromBytes(encodeModelProto({ pieces, trainerSpec, normalizerSpec: { name: 'identity' } }), {
      source: 'bad.model',
    });

  it('rejects unsupported model types, a missing unk, incomplete byte pieces, duplicates', () => {
    expect(() => load([...SPECIALS, ...normal], { modelType: SentencePieceModelType.WORD })).toThrow(
      /bad\.model: model_type WORD is not supported/,
    );
    expect(() => load(normal)).toThrow(/exactly one UNKNOWN piece/);
    expect(() => load([...SPECIALS, ...BYTES.slice(0, 255), ...normal], { byteFallback: true })).toThrow(
      /<0xFF> is missing/,
    );
    expect(() => load([...SPECIALS, ...normal, ...normal])).toThrow(/"a" \(id 4\) is defined twice/);
  });

  it('rejects bad options: negative extraIds, addEos without an eos piece', () => {
    const bytes = encodeModelProto({ pieces: [SPECIALS[0], ...normal], normalizerSpec: { name: 'identity' } });
    expect(() => SentencePieceTokenizer.fromBytes(bytes, { extraIds: -1 })).toThrow(TokenizerError);
    expect(() => SentencePieceTokenizer.fromBytes(bytes, { addEos: true })).toThrow(/needs an eos piece/);
    expect(() => SentencePieceTokenizer.fromBytes(bytes).call(['a'], { padding: 'max_length', maxLength: 4 })).toThrow(
      /no pad piece/,
    );
  });
});
