/**
 * The one error type of @bert4tfjs/tokenizers. The package does not depend on core, so it has its own
 * class; every tokenizer (WordPiece, jieba, SentencePiece) throws this on bad input, with a message that
 * names the file / argument / line at fault and what was expected.
 */
export class TokenizerError extends Error {
  /** @param message what went wrong, naming the file, argument or line at fault and what was expected. */
  constructor(message: string) {
    super(message);
    this.name = 'TokenizerError';
  }
}
