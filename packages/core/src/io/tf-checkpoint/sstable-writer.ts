/**
 * Builds a LevelDB-format table (TensorFlow `.index`): uncompressed data blocks with prefix-compressed
 * keys and a restart point every 16 entries, an empty metaindex block, an index block (restart every
 * entry, as LevelDB does) and the 48-byte footer.
 */
import { Bert4tfjsError } from '../../errors.ts';
import { crc32cExtend, maskCrc } from './crc32c.ts';
import { type BlockHandle, NO_COMPRESSION, compareBytes, encodeFooter, pushBlockHandle } from './sstable-format.ts';
import { pushVarint } from './varint.ts';

/** TensorFlow's default table block size. */
export const DEFAULT_BLOCK_SIZE = 256 * 1024;
/** LevelDB's default restart interval for data blocks. */
export const DATA_RESTART_INTERVAL = 16;

/** Accumulates entries of one block. */
class BlockBuilder {
  private bytes: number[] = [];
  private restarts: number[] = [0];
  private count = 0;
  private last: Uint8Array = new Uint8Array(0);

  constructor(private readonly restartInterval: number) {}

  get empty(): boolean {
    return this.bytes.length === 0;
  }

  /** Bytes the block will take once finished. */
  get size(): number {
    return this.bytes.length + this.restarts.length * 4 + 4;
  }

  add(key: Uint8Array, value: Uint8Array): void {
    let shared = 0;
    if (this.count < this.restartInterval) {
      const n = Math.min(this.last.length, key.length);
      while (shared < n && this.last[shared] === key[shared]) shared++;
    } else {
      this.restarts.push(this.bytes.length);
      this.count = 0;
    }
    pushVarint(this.bytes, shared);
    pushVarint(this.bytes, key.length - shared);
    pushVarint(this.bytes, value.length);
    for (let i = shared; i < key.length; i++) this.bytes.push(key[i]);
    for (let i = 0; i < value.length; i++) this.bytes.push(value[i]);
    this.last = key;
    this.count++;
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    out.set(this.bytes, 0);
    const dv = new DataView(out.buffer);
    let pos = this.bytes.length;
    for (const r of this.restarts) {
      dv.setUint32(pos, r, true);
      pos += 4;
    }
    dv.setUint32(pos, this.restarts.length, true);
    return out;
  }
}

/** Appends a finished block plus its trailer (type 0, masked CRC over contents + type) to `chunks`. */
function emitBlock(chunks: Uint8Array[], offset: number, contents: Uint8Array): BlockHandle {
  const trailer = new Uint8Array(5);
  trailer[0] = NO_COMPRESSION;
  const crc = maskCrc(crc32cExtend(crc32cExtend(0, contents), trailer.subarray(0, 1)));
  new DataView(trailer.buffer).setUint32(1, crc, true);
  chunks.push(contents, trailer);
  return { offset, size: contents.length };
}

/**
 * A short key k with `last <= k < next` (LevelDB's FindShortestSeparator): index entries only need to
 * separate blocks, and shorter keys make the index smaller and byte-identical to TensorFlow's.
 */
export function shortestSeparator(last: Uint8Array, next: Uint8Array): Uint8Array {
  const n = Math.min(last.length, next.length);
  let i = 0;
  while (i < n && last[i] === next[i]) i++;
  if (i < n && last[i] < 0xff && last[i] + 1 < next[i]) {
    const out = last.slice(0, i + 1);
    out[i]++;
    return out;
  }
  return last;
}

/** A short key k >= `last` (LevelDB's FindShortSuccessor): bump the first byte that is not 0xff. */
export function shortSuccessor(last: Uint8Array): Uint8Array {
  for (let i = 0; i < last.length; i++) {
    if (last[i] !== 0xff) {
      const out = last.slice(0, i + 1);
      out[i]++;
      return out;
    }
  }
  return last;
}

/**
 * Encodes a whole table from entries already sorted byte-wise by key (no duplicates).
 * `blockSize` is the data-block size at which a new block starts.
 */
export function buildTable(
  entries: Array<{ key: Uint8Array; value: Uint8Array }>,
  blockSize = DEFAULT_BLOCK_SIZE,
): Uint8Array {
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const index = new BlockBuilder(1);
  let block = new BlockBuilder(DATA_RESTART_INTERVAL);
  let lastKey: Uint8Array | null = null;
  // Like LevelDB, a finished block's index entry waits for the next key, so its separator can be short.
  let pending: BlockHandle | null = null;

  const addIndexEntry = (key: Uint8Array, handle: BlockHandle): void => {
    const h: number[] = [];
    pushBlockHandle(h, handle);
    index.add(key, Uint8Array.from(h));
  };

  for (const e of entries) {
    if (lastKey && compareBytes(lastKey, e.key) >= 0) {
      throw new Bert4tfjsError('buildTable: keys must be unique and sorted byte-wise', 'bad-argument');
    }
    if (pending && lastKey) {
      addIndexEntry(shortestSeparator(lastKey, e.key), pending);
      pending = null;
    }
    block.add(e.key, e.value);
    lastKey = e.key;
    if (block.size >= blockSize) {
      pending = emitBlock(chunks, offset, block.finish());
      offset += pending.size + 5;
      block = new BlockBuilder(DATA_RESTART_INTERVAL);
    }
  }
  if (!block.empty) {
    pending = emitBlock(chunks, offset, block.finish());
    offset += pending.size + 5;
  }
  if (pending && lastKey) addIndexEntry(shortSuccessor(lastKey), pending);
  const meta = emitBlock(chunks, offset, new BlockBuilder(DATA_RESTART_INTERVAL).finish());
  offset += meta.size + 5;
  const idx = emitBlock(chunks, offset, index.finish());
  chunks.push(encodeFooter(meta, idx));

  const total = chunks.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(total);
  let pos = 0;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.length;
  }
  return out;
}
