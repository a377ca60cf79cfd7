/**
 * @bert4tfjs/tokenizers for web pages (the package's `browser` export, and what a bundler picks with the
 * `browser` condition): WordPiece, SentencePiece, Hugging Face tokenizer.json and byte-level BPE, built from
 * text or bytes the page fetched (`Tokenizer.fromVocabText`, `SentencePieceModel.fromBytes`). jieba (and so
 * WoBERT's word-level tokenizer) stays Node-only: its dictionary is read from the nodejieba package.
 */
export * from './files.ts';
export * from './wordpiece/index.ts';
export * from './sentencepiece/index.ts';
export * from './hf-json/index.ts';
export * from './bpe/index.ts';
