/**
 * Atomic file and directory writes: write to a temporary sibling, then rename. An interrupted or failed
 * write leaves the destination as it was (nothing half-written, nothing the user had is lost).
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Bert4tfjsError } from '../errors.ts';

function tempSibling(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Writes `data` (one buffer or several, written in order) to `path` atomically. */
export function writeFileAtomic(path: string, data: Uint8Array | string | Array<Uint8Array | string>): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = tempSibling(path);
  const fd = openSync(tmp, 'w');
  try {
    for (const chunk of Array.isArray(data) ? data : [data]) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      let off = 0;
      while (off < bytes.byteLength) off += writeSync(fd, bytes, off, bytes.byteLength - off);
    }
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, path);
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      /* already closed */
    }
    rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Builds a directory atomically: `fill` writes into a fresh temporary directory, which is renamed to
 * `dir` only when `fill` succeeds. An existing `dir` is an error unless `force`, in which case it is
 * replaced only after the new one is complete.
 */
export async function writeDirAtomic(
  dir: string,
  fill: (tmpDir: string) => void | Promise<void>,
  options: { force?: boolean } = {},
): Promise<void> {
  if (existsSync(dir) && !options.force) {
    throw new Bert4tfjsError(`output directory ${dir} already exists (use --force to replace it)`, 'exists');
  }
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = tempSibling(dir);
  mkdirSync(tmp);
  try {
    await fill(tmp);
    if (existsSync(dir)) {
      const old = tempSibling(dir);
      renameSync(dir, old);
      renameSync(tmp, dir);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(tmp, dir);
    }
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}
