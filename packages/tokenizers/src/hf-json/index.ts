/** Hugging Face tokenizer files (tokenizer.json, tokenizer_config.json) written from our WordPiece settings. */
export * from './tokenizer-json.ts';
