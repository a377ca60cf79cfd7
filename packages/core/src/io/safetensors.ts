/**
 * safetensors files: reading (header only, or every tensor, with positional reads so files above 2 GiB
 * work) and atomic writing. The format itself (parse / serialize bytes) is in safetensors-format.ts.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { Bert4tfjsError } from '../errors.ts';
import { writeFileAtomic } from '../utils/atomic.ts';
import type { NamedTensors } from './raw-tensor.ts';
import { headerLength, parseHeaderJson, serializeSafetensors, type SafetensorsHeader } from './safetensors-format.ts';

export {
  parseSafetensors,
  parseSafetensorsWithMetadata,
  serializeSafetensors,
  type SafetensorsEntry,
  type SafetensorsHeader,
} from './safetensors-format.ts';

/** Opens `path` for reading, turning a missing or unreadable file into a Bert4tfjsError. */
function openForRead(path: string): number {
  try {
    return openSync(path, 'r');
  } catch (err) {
    throw new Bert4tfjsError(`${path}: cannot open safetensors file (${(err as Error).message})`, 'bad-file', {
      cause: err,
    });
  }
}

function headerFromFd(fd: number, path: string): SafetensorsHeader {
  const size = fstatSync(fd).size;
  const prefix = new Uint8Array(8);
  readFully(fd, prefix, 0);
  const n = headerLength(prefix, size, path);
  const json = new Uint8Array(n);
  readFully(fd, json, 8);
  return parseHeaderJson(json, path, size - 8 - n);
}

/**
 * Reads only the header of a safetensors file (names, dtypes, shapes, metadata) without reading the
 * tensor data. Offsets are checked against the file size, so a truncated file is reported here too.
 */
export function readSafetensorsHeader(path: string): SafetensorsHeader {
  const fd = openForRead(path);
  try {
    return headerFromFd(fd, path);
  } finally {
    closeSync(fd);
  }
}

// Positional reads in chunks: one readSync call is limited to 2 GiB.
const READ_CHUNK = 1 << 30;

function readFully(fd: number, into: Uint8Array, position: number): void {
  let off = 0;
  while (off < into.byteLength) {
    const got = readSync(fd, into, off, Math.min(READ_CHUNK, into.byteLength - off), position + off);
    if (got === 0) break;
    off += got;
  }
}

/**
 * Reads every tensor of a safetensors file (each into its own buffer, read at its offset, so files
 * above the 2 GiB single-read limit work).
 */
export function readSafetensors(path: string): NamedTensors {
  return readSafetensorsWithMetadata(path).tensors;
}

/** Reads every tensor of a safetensors file plus its `__metadata__`. */
export function readSafetensorsWithMetadata(path: string): { tensors: NamedTensors; metadata: Record<string, string> } {
  const fd = openForRead(path);
  try {
    const header = headerFromFd(fd, path);
    const tensors: NamedTensors = new Map();
    for (const [name, e] of header.tensors) {
      const data = new Uint8Array(e.dataOffsets[1] - e.dataOffsets[0]);
      readFully(fd, data, header.dataStart + e.dataOffsets[0]);
      tensors.set(name, { dtype: e.dtype, shape: e.shape, data });
    }
    return { tensors, metadata: header.metadata };
  } finally {
    closeSync(fd);
  }
}

/** Writes tensors (and optional string metadata) to a safetensors file, atomically. */
export function writeSafetensors(path: string, tensors: NamedTensors, metadata?: Record<string, string>): void {
  writeFileAtomic(path, serializeSafetensors(tensors, metadata));
}
