/**
 * WoBERT: a BERT whose vocabulary also holds Chinese words. Text is cut by jieba (HMM off, as WoBERT was
 * trained); a word in the vocabulary stays one token, anything else falls back to WordPiece. Growing such a
 * vocabulary appends words whose new embeddings start as the mean of their characters' embeddings
 * (`compoundTokens` in @bert4tfjs/models).
 */
import { createJiebaPreTokenizer, type JiebaPreTokenizerOptions } from '../jieba/index.ts';
import { loadVocab, vocabFromTokens, type Vocab, type VocabOptions } from '../wordpiece/vocab.ts';
import { Tokenizer, type TokenizerOptions } from '../wordpiece/tokenizer.ts';
import { TokenizerError } from '../wordpiece/errors.ts';

/** Options of {@link createWoBertTokenizer}. */
export interface WoBertTokenizerOptions extends TokenizerOptions, VocabOptions {
  /** jieba settings (custom dictionaries, or `hmm: true` — WoBERT itself used HMM off). */
  jieba?: JiebaPreTokenizerOptions;
}

/** A word-level (WoBERT) tokenizer over a vocab.txt path or a loaded vocabulary. */
export function createWoBertTokenizer(
  vocab: string | string[] | Vocab,
  options: WoBertTokenizerOptions = {},
): Tokenizer {
  const { jieba, simplified, startsWith, ...tokenizerOptions } = options;
  const v = typeof vocab === 'string' ? loadVocab(vocab, { simplified, startsWith }) : vocab;
  return new Tokenizer(v, { ...tokenizerOptions, preTokenize: createJiebaPreTokenizer({ hmm: false, ...jieba }) });
}

/** A vocabulary grown with new words, and for each new word the ids it is composed of. */
export interface GrownVocab {
  /** The old tokens followed by the new words (ids of old tokens unchanged). */
  tokens: string[];
  /** Words actually appended (already-present words are skipped). */
  added: string[];
  /** For each added word, the ids of the pieces it tokenizes to under the OLD vocabulary (for compoundTokens). */
  compoundTokens: number[][];
}

/**
 * Appends `words` to `base`'s vocabulary, WoBERT-style. Each new word's `compoundTokens` entry lists the ids
 * of the pieces the old tokenizer splits it into (its characters, for Chinese), so a model built with
 * `compoundTokens` initialises the word's embedding as their mean.
 */
export function growVocabulary(base: Tokenizer, words: readonly string[]): GrownVocab {
  const tokens = Array.from({ length: base.vocabSize }, (_, i) => base.idToToken(i));
  const present = new Set(tokens);
  const added: string[] = [];
  const compoundTokens: number[][] = [];
  for (const [i, raw] of words.entries()) {
    const word = raw.trim();
    if (!word || /\s/.test(word))
      throw new TokenizerError(
        `growVocabulary: words[${i}] ${JSON.stringify(raw)} must be a non-empty token without spaces`,
      );
    if (present.has(word)) continue;
    const ids = base.tokenize(word).map((t) => base.tokenToId(t));
    if (ids.length === 0)
      throw new TokenizerError(`growVocabulary: words[${i}] ${JSON.stringify(raw)} tokenizes to nothing`);
    present.add(word);
    added.push(word);
    compoundTokens.push(ids);
  }
  return { tokens: [...tokens, ...added], added, compoundTokens };
}

/** Builds the WoBERT tokenizer of a grown vocabulary. */
export function woBertTokenizerFromGrown(grown: GrownVocab, options: WoBertTokenizerOptions = {}): Tokenizer {
  return createWoBertTokenizer(vocabFromTokens(grown.tokens), options);
}
