/**
 * The file reads the tokenizers' `from…File` helpers need, behind one small interface so the tokenizers
 * themselves run in a web page. The Node entry (index.ts) installs the fs-backed implementation
 * (node-files.ts); in a page there is none, and a path-taking helper says to pass the text or bytes
 * instead (`Tokenizer.fromVocabText`, `SentencePieceModel.fromBytes`, `ByteLevelBpeTokenizer` from maps).
 */
import { TokenizerError } from './wordpiece/errors.ts';

/** Synchronous reads of local paths. */
export interface TokenizerFileAccess {
  /** Whether `path` is an existing regular file. */
  isFile(path: string): boolean;
  /** The bytes of `path`; throws (any error) when it cannot be read. */
  readBytes(path: string): Uint8Array;
}

let installed: TokenizerFileAccess | null = null;

/** Installs the file access (the Node entry does this on import). */
export function setTokenizerFileAccess(access: TokenizerFileAccess | null): void {
  installed = access;
}

/** The installed file access; a TokenizerError naming `what` when there is none (a web page). */
export function tokenizerFiles(what: string): TokenizerFileAccess {
  if (!installed) {
    throw new TokenizerError(
      `${what} reads a local path, which needs Node; in a web page fetch the file and pass its text or bytes`,
    );
  }
  return installed;
}

/** Joins a folder and a file name with '/'. */
export function joinPath(dir: string, name: string): string {
  return dir.endsWith('/') || dir.endsWith('\\') ? `${dir}${name}` : `${dir}/${name}`;
}

/** `path` decoded as UTF-8 (invalid bytes become U+FFFD, as fs's 'utf8' does). */
export function readTextFile(path: string, what: string): string {
  return new TextDecoder('utf-8').decode(tokenizerFiles(what).readBytes(path));
}
