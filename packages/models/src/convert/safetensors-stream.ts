/**
 * Writes a safetensors file tensor by tensor. The header (names, dtypes, shapes, offsets) is computed
 * from a plan before any data exists, then each tensor is produced, written and dropped, so peak memory
 * is one tensor rather than the whole model. Same layout as core's writer: names sorted by code point,
 * header padded with spaces to a multiple of 8 bytes.
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { Bert4tfjsError, DTYPE_BYTES, numElements, type DType, type RawTensor } from '@bert4tfjs/core';

/** One tensor to be written: its header entry. */
export interface StreamEntry {
  name: string;
  dtype: DType;
  shape: number[];
}

function byName(a: StreamEntry, b: StreamEntry): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** The header bytes (length prefix + padded JSON) for `entries` in the order given. */
export function safetensorsHeader(entries: StreamEntry[], metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const e of entries) {
    const size = numElements(e.shape) * DTYPE_BYTES[e.dtype];
    header[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const body = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + body.byteLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(body.byteLength), true);
  out.set(body, 8);
  return out;
}

/**
 * Writes `entries` to `path` (a fresh file, e.g. inside writeDirAtomic's temporary directory), calling
 * `produce` once per tensor in name order. A produced tensor whose dtype or size differs from its entry
 * is an error. Returns the bytes written.
 */
export function writeSafetensorsStream(
  path: string,
  entries: StreamEntry[],
  produce: (entry: StreamEntry) => RawTensor,
  options: { metadata?: Record<string, string>; onTensor?: (done: number, total: number) => void } = {},
): number {
  const sorted = [...entries].sort(byName);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].name === sorted[i - 1].name)
      throw new Bert4tfjsError(`two output tensors are both named "${sorted[i].name}"`, 'internal');
  }
  const fd = openSync(path, 'w');
  let written = 0;
  const put = (bytes: Uint8Array): void => {
    let off = 0;
    while (off < bytes.byteLength) off += writeSync(fd, bytes, off, bytes.byteLength - off);
    written += bytes.byteLength;
  };
  try {
    put(safetensorsHeader(sorted, options.metadata));
    sorted.forEach((e, i) => {
      const t = produce(e);
      const want = numElements(e.shape) * DTYPE_BYTES[e.dtype];
      if (t.dtype !== e.dtype || t.data.byteLength !== want) {
        throw new Bert4tfjsError(
          `tensor "${e.name}": produced ${t.dtype} with ${t.data.byteLength} bytes, planned ${e.dtype}[${e.shape}] (${want} bytes)`,
          'internal',
        );
      }
      put(t.data);
      options.onTensor?.(i + 1, sorted.length);
    });
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return written;
}
