// WoBERT-style word-level tokenization: the Chinese BERT vocabulary grown with a few hundred frequent
// jieba words gives fewer tokens than character tokenization, decodes back to the text, and records for
// each new word the character ids its embedding should average.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cut, createWoBertTokenizer, growVocabulary, Tokenizer, woBertTokenizerFromGrown } from '../src/index.ts';
import { sharedAvailable, sharedPath } from '../../../test/helpers/paths.ts';

const PARAGRAPH =
  '今天北京的天气很好，我们一起去公园散步。这家公司发布了新的手机，价格比去年便宜，很多年轻人都想购买。';

describe.skipIf(!sharedAvailable('vocab'))('WoBERT tokenizer', () => {
  const vocabPath = sharedPath('vocab', 'bert-chinese', 'vocab.txt');
  const chars = Tokenizer.fromVocabFile(vocabPath);

  // A few hundred words: the most frequent multi-character jieba words of the STS-B zh training sentences
  // (falling back to the paragraph's own words when ../shared/data is absent).
  function frequentWords(limit: number): string[] {
    const counts = new Map<string, number>();
    const text = sharedAvailable('data')
      ? readFileSync(sharedPath('data', 'stsb-multi-mt-zh', 'stsb-zh-train.csv'), 'utf8')
      : PARAGRAPH;
    for (const w of cut(text)) if (/^[\u4e00-\u9fff]{2,}$/.test(w)) counts.set(w, (counts.get(w) ?? 0) + 1);
    for (const w of cut(PARAGRAPH)) if (/^[\u4e00-\u9fff]{2,}$/.test(w)) counts.set(w, (counts.get(w) ?? 0) + 1000);
    return [...counts.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, limit)
      .map(([w]) => w);
  }

  it('grows the vocabulary and tokenizes a paragraph into fewer tokens that decode back to it', () => {
    const words = frequentWords(400);
    expect(words.length).toBeGreaterThanOrEqual(300);
    const grown = growVocabulary(chars, words);
    expect(grown.tokens.length).toBe(chars.vocabSize + grown.added.length);
    const wobert = woBertTokenizerFromGrown(grown);
    const wordTokens = wobert.tokenize(PARAGRAPH);
    const charTokens = chars.tokenize(PARAGRAPH);
    console.log(
      `paragraph: ${charTokens.length} character tokens -> ${wordTokens.length} word-level tokens (${grown.added.length} words added)`,
    );
    expect(wordTokens.length).toBeLessThan(charTokens.length);
    expect(wordTokens.some((t) => grown.added.includes(t))).toBe(true);
    const decoded = wobert.decode(wobert.encode(PARAGRAPH).inputIds, { skipSpecialTokens: true });
    expect(decoded.replace(/\s+/g, '')).toBe(PARAGRAPH);
    // Offsets still map every token back to its text.
    const enc = wobert.encode(PARAGRAPH);
    enc.tokens.forEach((t, i) => {
      const o = enc.offsets[i];
      if (o) expect(PARAGRAPH.slice(o[0], o[1])).toBe(t.replace(/^##/, ''));
    });
  });

  it('each added word is composed of its characters’ ids in the old vocabulary', () => {
    const candidates = ['北京', '公园', '手机', '北京', '我'];
    const present = new Set(Array.from({ length: chars.vocabSize }, (_, i) => chars.idToToken(i)));
    const grown = growVocabulary(chars, candidates);
    expect(grown.added).toEqual([...new Set(candidates)].filter((w) => !present.has(w)));
    grown.added.forEach((w, i) => expect(grown.compoundTokens[i]).toEqual([...w].map((c) => chars.tokenToId(c))));
    const again = growVocabulary(chars, ['散步']);
    expect(again.compoundTokens).toEqual([[chars.tokenToId('散'), chars.tokenToId('步')]]);
    expect(() => growVocabulary(chars, ['有 空格'])).toThrow(/without spaces/);
  });

  it('createWoBertTokenizer keeps in-vocabulary words whole and WordPieces the rest', () => {
    const grown = growVocabulary(chars, ['天气', '公园']);
    const tok = createWoBertTokenizer(grown.tokens);
    expect(tok.tokenize('天气很好的公园')).toEqual(['天气', '很', '好', '的', '公园']);
  });
});
