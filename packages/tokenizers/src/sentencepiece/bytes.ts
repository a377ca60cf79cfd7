/**
 * UTF-8 decoding of byte-fallback pieces the way sentencepiece does it: each byte that does not start a
 * well-formed character becomes one U+FFFD (TextDecoder would fold a broken sequence into a single U+FFFD).
 */

/** Length of the well-formed UTF-8 character at `bytes[i]`, or 0 when it is not one. */
function validCharLength(bytes: readonly number[], i: number): number {
  const b0 = bytes[i];
  if (b0 < 0x80) return 1;
  let len: number;
  let min: number;
  if (b0 >= 0xc2 && b0 <= 0xdf) [len, min] = [2, 0x80];
  else if (b0 >= 0xe0 && b0 <= 0xef) [len, min] = [3, 0x800];
  else if (b0 >= 0xf0 && b0 <= 0xf4) [len, min] = [4, 0x10000];
  else return 0;
  if (i + len > bytes.length) return 0;
  let cp = b0 & (0xff >> (len + 1));
  for (let k = 1; k < len; k++) {
    const b = bytes[i + k];
    if ((b & 0xc0) !== 0x80) return 0;
    cp = (cp << 6) | (b & 0x3f);
  }
  // Overlong forms, surrogates and code points past U+10FFFF are not well formed.
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return len;
}

/** Decodes raw bytes (values 0-255) to a string, one U+FFFD per byte that is not part of a valid character. */
export function decodeBytePieces(bytes: readonly number[]): string {
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    const len = validCharLength(bytes, i);
    if (len === 0) {
      out += '\ufffd';
      i += 1;
    } else {
      out += Buffer.from(bytes.slice(i, i + len)).toString('utf8');
      i += len;
    }
  }
  return out;
}
