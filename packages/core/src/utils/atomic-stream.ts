/**
 * An output file written piece by piece into a temporary sibling and renamed into place only on
 * `commit()`. A failure or an interrupted run (`abort()`, or the process dying) never leaves a partial
 * file at the destination.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { tempSibling } from './atomic.ts';

/** A file being written atomically. */
export class AtomicFileWriter {
  readonly path: string;
  readonly tempPath: string;
  #fd: number | null;

  constructor(path: string) {
    this.path = path;
    mkdirSync(dirname(path), { recursive: true });
    this.tempPath = tempSibling(path);
    this.#fd = openSync(this.tempPath, 'w');
  }

  /** Appends text or bytes. */
  write(chunk: string | Uint8Array): void {
    if (this.#fd === null) throw new Error(`AtomicFileWriter(${this.path}): already closed`);
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let off = 0;
    while (off < bytes.byteLength) off += writeSync(this.#fd, bytes, off, bytes.byteLength - off);
  }

  /** Flushes and moves the file into place. */
  commit(): void {
    if (this.#fd === null) throw new Error(`AtomicFileWriter(${this.path}): already closed`);
    fsyncSync(this.#fd);
    closeSync(this.#fd);
    this.#fd = null;
    renameSync(this.tempPath, this.path);
  }

  /** Discards what was written; the destination is untouched. Safe to call twice. */
  abort(): void {
    if (this.#fd !== null) {
      try {
        closeSync(this.#fd);
      } catch {
        /* already closed */
      }
      this.#fd = null;
    }
    rmSync(this.tempPath, { force: true });
  }
}
