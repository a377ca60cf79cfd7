/** WordPiece (BERT) tokenizer: vocab loading, basic tokenizer, WordPiece, the Tokenizer class. */
export { TokenizerError } from './errors.ts';
export {
  loadVocab,
  parseVocabText,
  vocabFromTokens,
  isRedundantToken,
  tokenStem,
  type Vocab,
  type VocabOptions,
} from './vocab.ts';
export { basicTokenize, normalizeText, type BasicToken, type BasicOptions } from './basic.ts';
export { wordPiece, type Piece, type WordPieceVocab } from './wordpiece.ts';
export { isCjkChar, isPunctuationChar } from './chars.ts';
export { truncatePair, type TruncationStrategy, type PaddingStrategy, type PaddedBatch } from './encoding.ts';
export type { Offset } from './rematch.ts';
export {
  Tokenizer,
  type TokenizerOptions,
  type FromVocabFileOptions,
  type EncodeOptions,
  type Encoding,
  type BatchOptions,
} from './tokenizer.ts';
