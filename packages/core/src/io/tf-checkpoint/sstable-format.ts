/**
 * Constants and small codecs shared by the LevelDB-table (SSTable) reader and writer: the footer, block
 * handles and block trailers, laid out exactly as LevelDB's table format (which TensorFlow's `.index` uses).
 */
import { Bert4tfjsError } from '../../errors.ts';
import { pushVarint, readVarint } from './varint.ts';

/** Footer length: two block handles padded to 40 bytes, then the 8-byte magic. */
export const FOOTER_SIZE = 48;
/** Room for two BlockHandles (each at most two 10-byte varints). */
export const HANDLES_SIZE = 40;
/** Table magic 0xdb4775248b80fb57, as its two little-endian u32 halves. */
export const MAGIC_LO = 0x8b80fb57;
export const MAGIC_HI = 0xdb477524;
/** Each block is followed by 1 compression-type byte and a 4-byte masked CRC-32C. */
export const TRAILER_SIZE = 5;
/** Compression types of a block trailer. */
export const NO_COMPRESSION = 0;
export const SNAPPY_COMPRESSION = 1;

/** Where a block lives in the table file (contents only; the trailer follows). */
export interface BlockHandle {
  offset: number;
  size: number;
}

/** Byte-wise comparison of two keys (LevelDB's default comparator). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** Decodes a BlockHandle (two varint64s) at `pos`. */
export function readBlockHandle(
  bytes: Uint8Array,
  pos: number,
  what: string,
  end?: number,
): { handle: BlockHandle; next: number } {
  const off = readVarint(bytes, pos, what, end);
  const size = readVarint(bytes, off.next, what, end);
  return { handle: { offset: off.value, size: size.value }, next: size.next };
}

/** Appends a BlockHandle's encoding. */
export function pushBlockHandle(out: number[], h: BlockHandle): void {
  pushVarint(out, h.offset);
  pushVarint(out, h.size);
}

/** Encodes the 48-byte footer. */
export function encodeFooter(metaindex: BlockHandle, index: BlockHandle): Uint8Array {
  const handles: number[] = [];
  pushBlockHandle(handles, metaindex);
  pushBlockHandle(handles, index);
  const out = new Uint8Array(FOOTER_SIZE); // zero padding after the handles, as LevelDB writes it
  out.set(handles, 0);
  const dv = new DataView(out.buffer);
  dv.setUint32(HANDLES_SIZE, MAGIC_LO, true);
  dv.setUint32(HANDLES_SIZE + 4, MAGIC_HI, true);
  return out;
}

/** Decodes and checks the footer at the end of `bytes` (a whole table file). */
export function decodeFooter(bytes: Uint8Array, file: string): { metaindex: BlockHandle; index: BlockHandle } {
  if (bytes.length < FOOTER_SIZE) {
    throw new Bert4tfjsError(
      `${file}: ${bytes.length} bytes is too short for a checkpoint index (a table needs at least ${FOOTER_SIZE}); truncated?`,
      'bad-file',
    );
  }
  const start = bytes.length - FOOTER_SIZE;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = dv.getUint32(start + HANDLES_SIZE, true);
  const hi = dv.getUint32(start + HANDLES_SIZE + 4, true);
  if (lo !== MAGIC_LO || hi !== MAGIC_HI) {
    const got = hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
    throw new Bert4tfjsError(
      `${file}: bad table magic 0x${got} (expected 0xdb4775248b80fb57): not a TensorFlow checkpoint index, or truncated`,
      'bad-file',
    );
  }
  const what = `${file} footer`;
  const meta = readBlockHandle(bytes, start, what, start + HANDLES_SIZE);
  const index = readBlockHandle(bytes, meta.next, what, start + HANDLES_SIZE);
  return { metaindex: meta.handle, index: index.handle };
}
