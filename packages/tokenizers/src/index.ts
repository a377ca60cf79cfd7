/**
 * @bert4tfjs/tokenizers: WordPiece (BERT), word-level Chinese over jieba (WoBERT), SentencePiece (T5/mT5),
 * byte-level BPE (GPT-2).
 * Pure text -> ids; knows nothing of tfjs or models.
 */
import './node-files.ts';

export * from './files.ts';
export { nodeTokenizerFileAccess } from './node-files.ts';
export * from './wordpiece/index.ts';
export * from './jieba/index.ts';
export * from './sentencepiece/index.ts';
export * from './hf-json/index.ts';
export * from './wobert/index.ts';
export * from './bpe/index.ts';
