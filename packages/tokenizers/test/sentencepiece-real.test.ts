/**
 * SentencePiece over the real public models in ../shared/fixtures/real/sentencepiece: the manifest's piece
 * counts, specs and special ids, T5's upstream expectations (seqio vocabularies_test), round trips through
 * the Chinese (UER) and XLNet models, and clean errors on truncated or corrupt files.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  SentencePieceModel,
  SentencePieceNormalizer,
  SentencePieceTokenizer,
  SentencePieceType,
  TokenizerError,
} from '../src/index.ts';
import { sharedAvailable, sharedPath } from '../../../test/helpers/paths.ts';

const SUB = 'fixtures/real/sentencepiece';
const real = (file: string): string => sharedPath(SUB, file);

interface ManifestEntry {
  file: string;
  num_pieces: number;
  trainer_spec: Record<string, number | string | boolean>;
  normalizer_spec: {
    name: string;
    precompiled_charsmap_bytes: number;
    add_dummy_prefix: boolean;
    remove_extra_whitespaces: boolean;
    escape_whitespaces: boolean;
  };
  piece_type_counts: Record<string, number>;
  first_pieces: Array<[number, string, number, string]>;
  last_pieces: Array<[number, string, number, string]>;
}
const TYPE_NAMES = Object.fromEntries(Object.entries(SentencePieceType).map(([k, v]) => [v, k]));

describe.skipIf(!sharedAvailable(SUB))('real SentencePiece models', () => {
  const manifest = JSON.parse(readFileSync(real('models.manifest.json'), 'utf8')) as ManifestEntry[];
  const models = new Map(manifest.map((m) => [m.file, SentencePieceModel.fromFile(real(m.file))]));

  it('the manifest lists the 5 models', () => {
    expect(manifest.map((m) => m.file).sort()).toEqual([
      'sp_test_ja_model.model',
      'sp_test_model.model',
      't5_seqio_test_sentencepiece.model',
      'uer_cluecorpussmall_spm.model',
      'xlnet_spiece.model',
    ]);
  });

  describe.each(manifest.map((m) => [m.file, m] as const))('%s', (file, m) => {
    const model = models.get(file) as SentencePieceModel;
    const tok = new SentencePieceTokenizer(model);

    it('piece count, piece types and first/last pieces match the manifest', () => {
      expect(model.size).toBe(m.num_pieces);
      expect(tok.vocabSize).toBe(m.num_pieces);
      const counts: Record<string, number> = {};
      for (const p of model.proto.pieces) counts[TYPE_NAMES[p.type]] = (counts[TYPE_NAMES[p.type]] ?? 0) + 1;
      expect(counts).toEqual(m.piece_type_counts);
      for (const [id, piece, score, type] of [...m.first_pieces, ...m.last_pieces]) {
        expect(tok.idToPiece(id)).toBe(piece);
        expect(model.proto.pieces[id].score).toBeCloseTo(score, 5);
        expect(TYPE_NAMES[model.proto.pieces[id].type]).toBe(type);
      }
    });

    it('trainer and normalizer specs match the manifest', () => {
      const t = model.proto.trainerSpec;
      const n = model.proto.normalizerSpec;
      expect(TYPE_NAMES_MODEL[t.modelType]).toBe(m.trainer_spec.model_type);
      expect(t.vocabSize).toBe(m.trainer_spec.vocab_size);
      expect([t.unkId, t.bosId, t.eosId, t.padId]).toEqual([
        m.trainer_spec.unk_id,
        m.trainer_spec.bos_id,
        m.trainer_spec.eos_id,
        m.trainer_spec.pad_id,
      ]);
      if ('treat_whitespace_as_suffix' in m.trainer_spec)
        expect(t.treatWhitespaceAsSuffix).toBe(m.trainer_spec.treat_whitespace_as_suffix);
      expect(n.name).toBe(m.normalizer_spec.name);
      expect(n.precompiledCharsmap.length).toBe(m.normalizer_spec.precompiled_charsmap_bytes);
      expect([n.addDummyPrefix, n.removeExtraWhitespaces, n.escapeWhitespaces]).toEqual([
        m.normalizer_spec.add_dummy_prefix,
        m.normalizer_spec.remove_extra_whitespaces,
        m.normalizer_spec.escape_whitespaces,
      ]);
    });

    it('special ids: unk/bos/eos as the manifest; pad as the manifest or the <pad> control piece', () => {
      expect(tok.unkId).toBe(m.trainer_spec.unk_id);
      expect(tok.bosId).toBe(m.trainer_spec.bos_id);
      expect(tok.eosId).toBe(m.trainer_spec.eos_id);
      // sentencepiece finds pad by its piece text: XLNet's trainer says -1 but it has a <pad> control piece (id 5, PROVENANCE).
      expect(tok.padId).toBe(file === 'xlnet_spiece.model' ? 5 : m.trainer_spec.pad_id);
    });

    it('the charsmap normalizes like Unicode NFKC on the characters both agree to change', () => {
      // String.prototype.normalize is an independent NFKC; the charsmaps are older Unicode plus nmt rules,
      // so a few characters differ, but a misread trie would disagree on nearly all of them.
      const norm = new SentencePieceNormalizer({
        ...model.proto.normalizerSpec,
        addDummyPrefix: false,
        removeExtraWhitespaces: false,
        escapeWhitespaces: false,
      });
      let changed = 0;
      let agree = 0;
      for (let cp = 0xa0; cp < 0x10000; cp++) {
        if (cp >= 0xd800 && cp < 0xe000) continue; // lone surrogates are not text
        const c = String.fromCodePoint(cp);
        const nfkc = c.normalize('NFKC');
        if (nfkc === c) continue;
        changed++;
        if (norm.normalize(c) === nfkc) agree++;
      }
      expect(changed).toBeGreaterThan(2500);
      expect(agree / changed).toBeGreaterThan(0.97);
      // Multi-character rules: a decomposed accent composes, half-width katakana widens.
      expect(norm.normalize('e\u0301')).toBe('\u00e9');
      expect(norm.normalize('ｶﾞ')).toBe('ガ');
    });

    it('empty text and unseen characters', () => {
      expect(tok.encode('')).toEqual([]);
      const ids = tok.encode('\u{1F9FF}\u{1FA90}');
      expect(ids).toContain(tok.unkId);
      expect(tok.decode(ids)).toContain('\u2047');
    });
  });

  const TYPE_NAMES_MODEL: Record<number, string> = { 1: 'UNIGRAM', 2: 'BPE', 3: 'WORD', 4: 'CHAR' };

  describe('T5 seqio test model (upstream vocabularies_test expectations)', () => {
    const t5 = SentencePieceTokenizer.fromFile(real('t5_seqio_test_sentencepiece.model'));
    const t5x = SentencePieceTokenizer.fromFile(real('t5_seqio_test_sentencepiece.model'), { extraIds: 10 });

    it('"this is a test" <-> [11, 8, 6, 3, 8, 6, 3, 5, 10]', () => {
      expect(t5.vocabSize).toBe(26);
      expect(t5.encode('this is a test')).toEqual([11, 8, 6, 3, 8, 6, 3, 5, 10]);
      expect(t5.encodeAsPieces('this is a test')).toEqual(['▁th', 'i', 's', '▁', 'i', 's', '▁', 'a', '▁test']);
      expect(t5.decode([11, 8, 6, 3, 8, 6, 3, 5, 10])).toBe('this is a test');
      expect([t5.padId, t5.eosId, t5.unkId, t5.bosId]).toEqual([0, 1, 2, -1]);
    });

    it('extra_ids=10: sentinels <-> [35, 34, 3, 25, 26]; 25 decodes to "v"', () => {
      const text = '<extra_id_0> <extra_id_1> v <extra_id_9>';
      expect(t5x.vocabSize).toBe(36);
      expect(t5x.encode(text)).toEqual([35, 34, 3, 25, 26]);
      expect(t5x.decode([35, 34, 3, 25, 26])).toBe(text);
      expect(t5x.decode([25])).toBe('v');
      expect(t5x.sentinelId(0)).toBe(35);
      expect(t5x.idToPiece(26)).toBe('<extra_id_9>');
      expect(t5x.pieceToId('<extra_id_9>')).toBe(26);
      expect(t5x.encodeAsPieces('<extra_id_0>')).toEqual(['<extra_id_0>']);
    });

    it('sentinels past extraIds stay text; decode past the vocab is an error', () => {
      expect(t5x.encode('<extra_id_10>')).not.toContain(25);
      expect(t5x.encode('<extra_id_10>').every((id) => id < 26)).toBe(true);
      expect(() => t5x.decode([36])).toThrow(/id 36 .*0\.\.35/);
      expect(() => t5.decode([26])).toThrow(/id 26 .*0\.\.25/);
    });

    it('addEos appends </s>=1', () => {
      const withEos = SentencePieceTokenizer.fromFile(real('t5_seqio_test_sentencepiece.model'), {
        extraIds: 10,
        addEos: true,
      });
      expect(withEos.encode('this is a test')).toEqual([11, 8, 6, 3, 8, 6, 3, 5, 10, 1]);
      expect(withEos.decode([11, 8, 6, 3, 8, 6, 3, 5, 10, 1])).toBe('this is a test');
    });
  });

  it('UER Chinese model: a sentence round-trips to its normalized (NFKC) text, [MASK] is matched whole', () => {
    const uer = new SentencePieceTokenizer(models.get('uer_cluecorpussmall_spm.model') as SentencePieceModel);
    const text = '我爱北京天安门，今天天气很好！';
    const ids = uer.encode(text);
    expect(ids.length).toBeGreaterThan(0);
    expect(ids).not.toContain(uer.unkId);
    expect(uer.decode(ids)).toBe(text.normalize('NFKC'));
    expect(uer.decode(ids)).toBe('我爱北京天安门,今天天气很好!');
    // [MASK] is USER_DEFINED id 4 (PROVENANCE); [CLS]/[SEP] are CONTROL and never come from text.
    expect(uer.encode('[MASK]').filter((id) => id !== uer.pieceToId('▁'))).toEqual([4]);
    expect(uer.encode('[CLS]是[SEP]')).not.toContain(2);
    expect(uer.encode('[CLS]是[SEP]')).not.toContain(3);
  });

  it('XLNet model: English and full-width text round-trip to the normalized text', () => {
    const xl = new SentencePieceTokenizer(models.get('xlnet_spiece.model') as SentencePieceModel);
    const a = 'I saw a girl with a telescope.';
    expect(xl.decode(xl.encode(a))).toBe(a);
    const b = 'Ｈｅｌｌｏ，　ｗｏｒｌｄ！  The ﬁrst   ①.';
    const ids = xl.encode(b);
    expect(ids).not.toContain(xl.unkId);
    expect(xl.decode(ids)).toBe('Hello, world! The first 1.');
    expect(xl.decode(ids)).toBe(b.normalize('NFKC').replace(/\s+/g, ' '));
    // "." is a USER_DEFINED piece (id 9 in PROVENANCE) so it is always its own piece.
    expect(xl.encode('end.').at(-1)).toBe(9);
  });

  describe('broken files', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'spm-broken-'));
    afterAll(() => rmSync(tmp, { recursive: true, force: true }));

    it.each([0.5, 0.999, 0.01])(
      'a copy truncated to %s of its size fails with an error naming the file',
      (fraction) => {
        const path = join(tmp, `t5-truncated-${fraction}.model`);
        copyFileSync(real('t5_seqio_test_sentencepiece.model'), path);
        truncateSync(path, Math.floor(238047 * fraction));
        expect(() => SentencePieceTokenizer.fromFile(path)).toThrow(TokenizerError);
        expect(() => SentencePieceTokenizer.fromFile(path)).toThrow(path);
      },
    );

    it('garbage bytes and a missing file fail with the file name', () => {
      const path = join(tmp, 'garbage.model');
      writeFileSync(path, Buffer.from('this is not a protobuf at all \xff\xff\xff\xff', 'latin1'));
      expect(() => SentencePieceTokenizer.fromFile(path)).toThrow(TokenizerError);
      expect(() => SentencePieceTokenizer.fromFile(path)).toThrow(path);
      expect(() => SentencePieceTokenizer.fromFile(join(tmp, 'missing.model'))).toThrow(/missing\.model/);
    });
  });
});
