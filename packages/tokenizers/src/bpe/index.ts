/** Byte-level BPE (GPT-2): OpenAI's encoder.json + vocab.bpe or Hugging Face's vocab.json + merges.txt. */
export { ByteLevelBpeTokenizer, type ByteLevelBpeOptions, type BpeEncoding } from './tokenizer.ts';
export { parseMerges, type MergeRule } from './merges.ts';
export { gpt2PreTokenize, GPT2_SPLIT_PATTERN } from './pretokenize.ts';
export { BYTE_TO_CHAR } from './byte-level.ts';
export { BPE_FILE_PAIRS, findBpeFiles } from './vocab-files.ts';
