/** The Node side of {@link FileSource}: the files of a folder on disk, read with fs. */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Bert4tfjsError } from '../errors.ts';
import { decodeUtf8, type FileSource } from './file-source.ts';

/** The files of the folder `dir`. */
export function nodeFileSource(dir: string): FileSource {
  const source: FileSource = {
    location: dir,
    async has(name) {
      return stat(join(dir, name)).then(
        (s) => s.isFile(),
        () => false,
      );
    },
    async readBytes(name) {
      const path = join(dir, name);
      try {
        const buf = await readFile(path);
        return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
      } catch (err) {
        throw new Bert4tfjsError(`${path}: cannot read (${(err as Error).message})`, 'missing-file', { cause: err });
      }
    },
    async readText(name) {
      return decodeUtf8(await source.readBytes(name), join(dir, name));
    },
  };
  return source;
}
