/** The Node side of {@link TokenizerFileAccess}: fs reads, installed when the package's Node entry is imported. */
import { readFileSync, statSync } from 'node:fs';
import { setTokenizerFileAccess, type TokenizerFileAccess } from './files.ts';

/** Reads local files with fs. */
export const nodeTokenizerFileAccess: TokenizerFileAccess = {
  isFile: (path) => {
    try {
      return statSync(path).isFile();
    } catch {
      return false;
    }
  },
  readBytes: (path) => {
    const buf = readFileSync(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  },
};

setTokenizerFileAccess(nodeTokenizerFileAccess);
