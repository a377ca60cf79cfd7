/**
 * CRC-32C (Castagnoli), as LevelDB tables and TensorFlow bundles use it, plus the "mask" those formats
 * apply to stored checksums (so a CRC of data that itself contains CRCs does not degenerate).
 */

/** Reflected Castagnoli polynomial. */
const POLY = 0x82f63b78;
const MASK_DELTA = 0xa282ead8;

/**
 * Slicing-by-8 tables, one flat array: entry [k*256 + b] advances the CRC over byte b followed by k zero
 * bytes. Int32 (not Uint32) keeps every value a small integer in V8, which is several times faster.
 */
const T: Int32Array = buildTables();

function buildTables(): Int32Array {
  const t = new Int32Array(8 * 256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[i] = c;
  }
  for (let k = 1; k < 8; k++) {
    for (let i = 0; i < 256; i++) {
      const prev = t[(k - 1) * 256 + i];
      t[k * 256 + i] = (prev >>> 8) ^ t[prev & 0xff];
    }
  }
  return t;
}

/** Whether this machine is little-endian, so 4 data bytes can be read as one Int32Array word. */
const HOST_LE = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/**
 * Extends a CRC-32C over more bytes. `crc` is a finished (unmasked) CRC of what came before, 0 to start;
 * `crc32cExtend(crc32cExtend(0, a), b)` equals the CRC of a followed by b.
 */
export function crc32cExtend(crc: number, bytes: Uint8Array): number {
  let c = ~crc | 0;
  let i = 0;
  const n = bytes.length;
  if (HOST_LE && n >= 64) {
    // Bytewise up to a 4-byte boundary, then eight bytes per step through aligned words: the bulk
    // of a 400 MB checkpoint goes through this loop.
    const head = (4 - (bytes.byteOffset & 3)) & 3;
    for (; i < head; i++) c = T[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
    const pairs = (n - i) >> 3;
    const w = new Int32Array(bytes.buffer, bytes.byteOffset + i, pairs * 2);
    for (let j = 0; j < w.length; j += 2) {
      const lo = c ^ w[j];
      const hi = w[j + 1];
      c =
        T[1792 + (lo & 0xff)] ^
        T[1536 + ((lo >>> 8) & 0xff)] ^
        T[1280 + ((lo >>> 16) & 0xff)] ^
        T[1024 + (lo >>> 24)] ^
        T[768 + (hi & 0xff)] ^
        T[512 + ((hi >>> 8) & 0xff)] ^
        T[256 + ((hi >>> 16) & 0xff)] ^
        T[hi >>> 24];
    }
    i += pairs * 8;
  }
  for (; i < n; i++) c = T[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** CRC-32C of `bytes` (unmasked). */
export function crc32c(bytes: Uint8Array): number {
  return crc32cExtend(0, bytes);
}

/** Masks a CRC the way LevelDB/TensorFlow store it: rotate right by 15, add a constant. */
export function maskCrc(crc: number): number {
  return (((crc >>> 15) | (crc << 17)) + MASK_DELTA) >>> 0;
}

/** Inverse of {@link maskCrc}. */
export function unmaskCrc(masked: number): number {
  const rot = (masked - MASK_DELTA) >>> 0;
  return ((rot >>> 17) | (rot << 15)) >>> 0;
}
