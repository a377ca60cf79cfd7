/**
 * GPT-2's byte-level alphabet: every byte 0-255 stands for one printable character, so BPE can work on
 * strings without whitespace or control characters in its vocabulary. Printable Latin-1 bytes (0x21-0x7E,
 * 0xA1-0xAC, 0xAE-0xFF) stand for themselves; the other 68, in byte order, for U+0100 + n (space -> `Ġ`).
 */

/** `BYTE_TO_CHAR[b]` is the character that stands for byte b. */
export const BYTE_TO_CHAR: readonly string[] = (() => {
  const table = new Array<string>(256);
  let next = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    table[b] = String.fromCharCode(printable ? b : 0x100 + next++);
  }
  return table;
})();

/** Character code of a byte symbol -> its byte (-1 for characters that stand for no byte). */
const CHAR_TO_BYTE: Int16Array = (() => {
  const table = new Int16Array(0x100 + 68).fill(-1);
  BYTE_TO_CHAR.forEach((ch, b) => {
    table[ch.charCodeAt(0)] = b;
  });
  return table;
})();

const encoder = new TextEncoder();
// WHATWG decoding with replacement: one U+FFFD per maximal invalid subpart, as Python's errors='replace'.
const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
let scratch = new Uint8Array(256);

/**
 * The byte symbols of `text`'s UTF-8 encoding, as one string (one character per byte). Lone surrogates
 * encode as U+FFFD, as TextEncoder does.
 */
export function textToByteSymbols(text: string): string {
  let ascii = true;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) {
    let out = '';
    for (let i = 0; i < text.length; i++) out += BYTE_TO_CHAR[text.charCodeAt(i)];
    return out;
  }
  if (scratch.length < text.length * 3) scratch = new Uint8Array(text.length * 3);
  const { written } = encoder.encodeInto(text, scratch);
  let out = '';
  for (let i = 0; i < written; i++) out += BYTE_TO_CHAR[scratch[i]];
  return out;
}

/** The bytes byte symbols stand for; -1 marks the first character that is no byte symbol. */
export function byteSymbolsToBytes(symbols: string): Uint8Array | { bad: number } {
  const out = new Uint8Array(symbols.length);
  for (let i = 0; i < symbols.length; i++) {
    const code = symbols.charCodeAt(i);
    const b = code < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[code] : -1;
    if (b < 0) return { bad: i };
    out[i] = b;
  }
  return out;
}

/** UTF-8 bytes to text, each maximal invalid subpart replaced by one U+FFFD. */
export function decodeUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}
