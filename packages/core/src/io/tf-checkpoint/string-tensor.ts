/**
 * DT_STRING tensor layout in a bundle data shard: a varint64 length per element, a masked CRC-32C of
 * those lengths (each fed as a 4-byte LE u32, or 8-byte LE u64 past 2^32-1), then the bytes of each
 * element back to back. The entry's CRC runs over [lengths as fed, the 4 checksum bytes, the bytes].
 */
import { Bert4tfjsError } from '../../errors.ts';
import { crc32cExtend, maskCrc, unmaskCrc } from './crc32c.ts';
import { pushVarint, readVarint } from './varint.ts';

/** A length as TensorFlow feeds it to the CRC. */
function lengthBytes(len: number): Uint8Array {
  const wide = len > 0xffffffff;
  const b = new Uint8Array(wide ? 8 : 4);
  const dv = new DataView(b.buffer);
  if (wide) dv.setBigUint64(0, BigInt(len), true);
  else dv.setUint32(0, len, true);
  return b;
}

/** The stored bytes of a string tensor and the (unmasked) CRC its entry must carry. */
export function encodeStringTensor(values: readonly Uint8Array[]): { chunks: Uint8Array[]; size: number; crc: number } {
  const varints: number[] = [];
  let crc = 0;
  for (const v of values) {
    pushVarint(varints, v.length);
    crc = crc32cExtend(crc, lengthBytes(v.length));
  }
  const checksum = new Uint8Array(4);
  new DataView(checksum.buffer).setUint32(0, maskCrc(crc), true);
  crc = crc32cExtend(crc, checksum);
  for (const v of values) crc = crc32cExtend(crc, v);
  const head = Uint8Array.from(varints);
  const size = head.length + 4 + values.reduce((n, v) => n + v.length, 0);
  return { chunks: [head, checksum, ...values], size, crc };
}

/**
 * Splits the stored bytes of a string tensor with `count` elements, checking the length checksum and
 * the entry CRC (`maskedCrc`). `what` names the tensor and shard in errors.
 */
export function decodeStringTensor(bytes: Uint8Array, count: number, maskedCrc: number, what: string): Uint8Array[] {
  const lengths: number[] = [];
  let pos = 0;
  let crc = 0;
  for (let i = 0; i < count; i++) {
    const r = readVarint(bytes, pos, `${what} string length ${i}`);
    lengths.push(r.value);
    crc = crc32cExtend(crc, lengthBytes(r.value));
    pos = r.next;
  }
  if (pos + 4 > bytes.length) {
    throw new Bert4tfjsError(`${what}: string data ends before its length checksum`, 'bad-file');
  }
  const stored = new DataView(bytes.buffer, bytes.byteOffset + pos, 4).getUint32(0, true);
  if (unmaskCrc(stored) !== crc) {
    throw new Bert4tfjsError(`${what}: string length checksum mismatch (corrupt data)`, 'bad-crc');
  }
  crc = crc32cExtend(crc, bytes.subarray(pos, pos + 4));
  pos += 4;
  const values: Uint8Array[] = [];
  for (const len of lengths) {
    if (pos + len > bytes.length) {
      throw new Bert4tfjsError(
        `${what}: string element of ${len} bytes runs past the tensor's ${bytes.length} bytes`,
        'bad-file',
      );
    }
    const v = bytes.subarray(pos, pos + len);
    crc = crc32cExtend(crc, v);
    values.push(v);
    pos += len;
  }
  if (pos !== bytes.length) {
    throw new Bert4tfjsError(`${what}: ${bytes.length - pos} stray bytes after the last string element`, 'bad-file');
  }
  if (crc !== unmaskCrc(maskedCrc)) {
    throw new Bert4tfjsError(
      `${what}: CRC-32C mismatch (stored ${unmaskCrc(maskedCrc).toString(16)}, computed ${crc.toString(16)}): the data file is corrupt`,
      'bad-crc',
    );
  }
  return values;
}
