/**
 * Writes an uncompressed zip the way PyTorch's stream writer does: every entry stored, each entry's
 * data aligned to 64 bytes by an 'FB' padding extra field in its local header, zip64 records only
 * when a size or offset needs them. Returns chunks to write in order (entry data is not copied).
 */
import { crc32 } from './crc32.ts';

/** One file to put in the archive. */
export interface ZipInput {
  name: string;
  data: Uint8Array;
}

const ALIGN = 64;
const U32_MAX = 0xffffffff;
// A fixed timestamp (1980-01-01 00:00, the DOS epoch) keeps the output reproducible.
const DOS_TIME = 0;
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

function header(size: number): [Uint8Array, DataView] {
  const b = new Uint8Array(size);
  return [b, new DataView(b.buffer)];
}

/** Zip64 extra field (id 1) holding the given 64-bit values. */
function zip64Extra(values: number[]): Uint8Array {
  if (values.length === 0) return new Uint8Array(0);
  const [b, v] = header(4 + 8 * values.length);
  v.setUint16(0, 1, true);
  v.setUint16(2, 8 * values.length, true);
  values.forEach((x, i) => v.setBigUint64(4 + 8 * i, BigInt(x), true));
  return b;
}

/** Builds a stored (uncompressed), 64-byte-aligned zip archive from `entries`, in order. */
export function buildStoredZip(entries: ZipInput[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const nameBytes = new TextEncoder().encode(name);
    const size = data.byteLength;
    const big = size >= U32_MAX;
    const crc = crc32(data);
    const local64 = big ? zip64Extra([size, size]) : new Uint8Array(0);
    // Pad so the data starts on a multiple of ALIGN; the padding extra itself needs 4 header bytes.
    const before = offset + 30 + nameBytes.byteLength + local64.byteLength + 4;
    const padLen = (ALIGN - (before % ALIGN)) % ALIGN;
    const [pad, pv] = header(4 + padLen);
    pad.fill(0x5a, 4); // 'Z', as torch fills it
    pv.setUint16(0, 0x4246, true); // 'FB'
    pv.setUint16(2, padLen, true);
    const [lh, l] = header(30);
    l.setUint32(0, 0x04034b50, true);
    l.setUint16(4, big ? 45 : 20, true);
    l.setUint16(6, 0x0800, true); // names are UTF-8
    l.setUint16(8, 0, true); // stored
    l.setUint16(10, DOS_TIME, true);
    l.setUint16(12, DOS_DATE, true);
    l.setUint32(14, crc, true);
    l.setUint32(18, big ? U32_MAX : size, true);
    l.setUint32(22, big ? U32_MAX : size, true);
    l.setUint16(26, nameBytes.byteLength, true);
    l.setUint16(28, local64.byteLength + pad.byteLength, true);
    chunks.push(lh, nameBytes, local64, pad, data);

    const far = offset >= U32_MAX;
    const central64 = zip64Extra([...(big ? [size, size] : []), ...(far ? [offset] : [])]);
    const [ch, c] = header(46);
    c.setUint32(0, 0x02014b50, true);
    c.setUint16(4, big || far ? 45 : 20, true);
    c.setUint16(6, big || far ? 45 : 20, true);
    c.setUint16(8, 0x0800, true);
    c.setUint16(10, 0, true);
    c.setUint16(12, DOS_TIME, true);
    c.setUint16(14, DOS_DATE, true);
    c.setUint32(16, crc, true);
    c.setUint32(20, big ? U32_MAX : size, true);
    c.setUint32(24, big ? U32_MAX : size, true);
    c.setUint16(28, nameBytes.byteLength, true);
    c.setUint16(30, central64.byteLength, true);
    c.setUint32(42, far ? U32_MAX : offset, true);
    central.push(ch, nameBytes, central64);

    offset += lh.byteLength + nameBytes.byteLength + local64.byteLength + pad.byteLength + size;
  }
  const cdOffset = offset;
  const cdSize = central.reduce((s, b) => s + b.byteLength, 0);
  chunks.push(...central);
  const needs64 = entries.length >= 0xffff || cdOffset >= U32_MAX || cdSize >= U32_MAX;
  if (needs64) {
    const [z, zv] = header(56);
    zv.setUint32(0, 0x06064b50, true);
    zv.setBigUint64(4, 44n, true); // size of the rest of this record
    zv.setUint16(12, 45, true);
    zv.setUint16(14, 45, true);
    zv.setBigUint64(24, BigInt(entries.length), true);
    zv.setBigUint64(32, BigInt(entries.length), true);
    zv.setBigUint64(40, BigInt(cdSize), true);
    zv.setBigUint64(48, BigInt(cdOffset), true);
    const [loc, lv] = header(20);
    lv.setUint32(0, 0x07064b50, true);
    lv.setBigUint64(8, BigInt(cdOffset + cdSize), true);
    lv.setUint32(16, 1, true);
    chunks.push(z, loc);
  }
  const [eocd, ev] = header(22);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, needs64 ? 0xffff : entries.length, true);
  ev.setUint16(10, needs64 ? 0xffff : entries.length, true);
  ev.setUint32(12, needs64 ? U32_MAX : cdSize, true);
  ev.setUint32(16, needs64 ? U32_MAX : cdOffset, true);
  chunks.push(eocd);
  return chunks;
}
