/**
 * Reads every key/value of a LevelDB-format table held in memory (a TensorFlow `.index` file is small:
 * one entry per variable). Checks each block's CRC and the table's sort order, and decodes snappy blocks.
 */
import { createRequire } from 'node:module';
import { Bert4tfjsError } from '../../errors.ts';
import { crc32cExtend, unmaskCrc } from './crc32c.ts';
import {
  type BlockHandle,
  FOOTER_SIZE,
  compareBytes,
  NO_COMPRESSION,
  SNAPPY_COMPRESSION,
  TRAILER_SIZE,
  decodeFooter,
  readBlockHandle,
} from './sstable-format.ts';
import { readVarint } from './varint.ts';

/** snappyjs ships no type declarations; this is the one function used. */
const snappy = createRequire(import.meta.url)('snappyjs') as {
  uncompress(data: Uint8Array, maxLength?: number): Uint8Array;
};

/** One key/value pair of a table. */
export interface TableEntry {
  key: Uint8Array;
  value: Uint8Array;
}

/** Reads a block's contents, verifying its trailer CRC and undoing its compression. */
export function readBlock(bytes: Uint8Array, handle: BlockHandle, what: string): Uint8Array {
  const limit = bytes.length - FOOTER_SIZE;
  if (handle.offset + handle.size + TRAILER_SIZE > limit) {
    throw new Bert4tfjsError(
      `${what}: block at ${handle.offset} (+${handle.size} bytes) runs past the data area (${limit} bytes); truncated?`,
      'bad-file',
    );
  }
  const end = handle.offset + handle.size;
  const raw = bytes.subarray(handle.offset, end);
  const type = bytes[end];
  const stored = new DataView(bytes.buffer, bytes.byteOffset + end + 1, 4).getUint32(0, true);
  // The CRC covers the stored contents plus the compression-type byte.
  const actual = crc32cExtend(crc32cExtend(0, raw), bytes.subarray(end, end + 1));
  if (unmaskCrc(stored) !== actual) {
    throw new Bert4tfjsError(`${what}: block at ${handle.offset} fails its CRC-32C check (corrupt file)`, 'bad-crc');
  }
  if (type === NO_COMPRESSION) return raw;
  if (type === SNAPPY_COMPRESSION) {
    try {
      return snappy.uncompress(raw);
    } catch (err) {
      throw new Bert4tfjsError(`${what}: block at ${handle.offset} is not valid snappy data`, 'bad-file', {
        cause: err,
      });
    }
  }
  throw new Bert4tfjsError(
    `${what}: block at ${handle.offset} has unknown compression type ${type} (expected 0 none or 1 snappy)`,
    'bad-file',
  );
}

/** Decodes all entries of a block (prefix-compressed keys; restart array and count at the end). */
export function parseBlock(block: Uint8Array, what: string): TableEntry[] {
  if (block.length < 4) throw new Bert4tfjsError(`${what}: block of ${block.length} bytes is too short`, 'bad-file');
  const dv = new DataView(block.buffer, block.byteOffset, block.byteLength);
  const numRestarts = dv.getUint32(block.length - 4, true);
  const dataEnd = block.length - 4 - numRestarts * 4;
  if (numRestarts < 1 || dataEnd < 0) {
    throw new Bert4tfjsError(`${what}: block has an impossible restart count ${numRestarts}`, 'bad-file');
  }
  const entries: TableEntry[] = [];
  let prev = new Uint8Array(0);
  let pos = 0;
  while (pos < dataEnd) {
    const shared = readVarint(block, pos, what, dataEnd);
    const nonShared = readVarint(block, shared.next, what, dataEnd);
    const valueLen = readVarint(block, nonShared.next, what, dataEnd);
    const keyStart = valueLen.next;
    const valueStart = keyStart + nonShared.value;
    const next = valueStart + valueLen.value;
    if (shared.value > prev.length || next > dataEnd) {
      throw new Bert4tfjsError(`${what}: corrupt entry at block offset ${pos}`, 'bad-file');
    }
    const key = new Uint8Array(shared.value + nonShared.value);
    key.set(prev.subarray(0, shared.value), 0);
    key.set(block.subarray(keyStart, valueStart), shared.value);
    entries.push({ key, value: block.subarray(valueStart, next) });
    prev = key;
    pos = next;
  }
  return entries;
}

/**
 * All entries of a table file, in key order. `file` names the file in errors. Throws a Bert4tfjsError
 * on a bad footer, a block CRC mismatch, corrupt entries or keys out of order.
 */
export function readTable(bytes: Uint8Array, file: string): TableEntry[] {
  const footer = decodeFooter(bytes, file);
  const indexBlock = parseBlock(readBlock(bytes, footer.index, `${file} index block`), `${file} index block`);
  const entries: TableEntry[] = [];
  for (const ix of indexBlock) {
    const { handle } = readBlockHandle(ix.value, 0, `${file} index entry`);
    const what = `${file} data block at ${handle.offset}`;
    for (const e of parseBlock(readBlock(bytes, handle, what), what)) {
      const last = entries[entries.length - 1];
      if (last && compareBytes(last.key, e.key) >= 0) {
        throw new Bert4tfjsError(`${what}: keys are out of order (corrupt table)`, 'bad-file');
      }
      entries.push(e);
    }
  }
  return entries;
}
