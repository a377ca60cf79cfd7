/**
 * sentencepiece's text normalizer: user-defined symbols kept verbatim, the precompiled character map applied
 * by longest match, extra whitespace removed, a dummy prefix added and spaces escaped as U+2581.
 * It works on UTF-8 bytes, as sentencepiece does, so that the charsmap trie (keyed by bytes) applies directly.
 */
import { TokenizerError } from '../wordpiece/errors.ts';
import { DoubleArrayTrie } from './darts.ts';
import type { SentencePieceNormalizerSpec } from './proto.ts';

/** The whitespace marker, U+2581 LOWER ONE EIGHTH BLOCK. */
export const SPACE_SYMBOL = '\u2581';
const SPACE_SYMBOL_BYTES = new Uint8Array([0xe2, 0x96, 0x81]);
const SPACE = 0x20;
const REPLACEMENT_CHAR = new Uint8Array([0xef, 0xbf, 0xbd]);

/** Options that come from outside the normalizer spec. */
export interface SentencePieceNormalizerOptions {
  /** trainer_spec.treat_whitespace_as_suffix: the dummy space goes at the end instead of the start. */
  treatWhitespaceAsSuffix?: boolean;
  /** USER_DEFINED pieces: copied through unnormalized when they occur in the text. */
  userDefinedSymbols?: Iterable<string>;
  /** Names the model file in error messages. */
  source?: string;
}

/** The decoded precompiled charsmap: a trie from byte sequences to offsets in a blob of NUL-ended strings. */
interface CharsMap {
  trie: DoubleArrayTrie;
  strings: Uint8Array;
}

/** Splits `<trie size: uint32 LE><trie units><replacement strings>` into its parts, checking the sizes. */
function decodeCharsMap(blob: Uint8Array, source: string): CharsMap {
  const where = `${source}: normalizer_spec.precompiled_charsmap`;
  if (blob.length <= 4)
    throw new TokenizerError(`${where} is broken: ${blob.length} bytes, expected a 4-byte size and a trie`);
  const trieSize = new DataView(blob.buffer, blob.byteOffset, 4).getUint32(0, true);
  if (trieSize >= blob.length || trieSize % 4 !== 0) {
    throw new TokenizerError(`${where} is broken: trie size ${trieSize} does not fit in ${blob.length} bytes`);
  }
  return {
    trie: DoubleArrayTrie.fromBytes(blob.subarray(4, 4 + trieSize)),
    strings: blob.subarray(4 + trieSize),
  };
}

/** Bytes of the UTF-8 character whose lead byte is `b` (1 for a stray continuation byte). */
function utf8Length(b: number): number {
  if (b < 0x80) return 1;
  if (b >= 0xf0 && b < 0xf8) return 4;
  if (b >= 0xe0) return 3;
  if (b >= 0xc0) return 2;
  return 1;
}

/** Growable byte buffer, cheaper than number[] for long texts. */
class ByteSink {
  bytes = new Uint8Array(64);
  length = 0;
  push(src: Uint8Array, from = 0, to = src.length): void {
    const need = this.length + (to - from);
    if (need > this.bytes.length) {
      const grown = new Uint8Array(Math.max(need, this.bytes.length * 2));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    this.bytes.set(src.subarray(from, to), this.length);
    this.length = need;
  }
  endsWith(tail: Uint8Array): boolean {
    if (this.length < tail.length) return false;
    for (let i = 0; i < tail.length; i++) if (this.bytes[this.length - tail.length + i] !== tail[i]) return false;
    return true;
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

/** Normalizes text exactly as sentencepiece's `Normalizer::Normalize` does (the string, not the offsets). */
export class SentencePieceNormalizer {
  private readonly spec: SentencePieceNormalizerSpec;
  private readonly suffix: boolean;
  private readonly charsMap: CharsMap | null;
  /** User-defined symbols as bytes, grouped by first byte, longest first. */
  private readonly userDefined = new Map<number, Uint8Array[]>();

  /** @throws TokenizerError when the precompiled charsmap is malformed. */
  constructor(spec: SentencePieceNormalizerSpec, options: SentencePieceNormalizerOptions = {}) {
    this.spec = spec;
    this.suffix = options.treatWhitespaceAsSuffix ?? false;
    const map = spec.precompiledCharsmap;
    this.charsMap = map && map.length > 0 ? decodeCharsMap(map, options.source ?? 'SentencePiece model') : null;
    for (const symbol of options.userDefinedSymbols ?? []) {
      const bytes = encoder.encode(symbol);
      if (bytes.length === 0) continue;
      const list = this.userDefined.get(bytes[0]) ?? [];
      list.push(bytes);
      list.sort((a, b) => b.length - a.length);
      this.userDefined.set(bytes[0], list);
    }
  }

  /** Normalizes `text`; the result uses U+2581 for spaces when escape_whitespaces is on. */
  normalize(text: string): string {
    if (text.length === 0) return '';
    const input = encoder.encode(text);
    const spec = this.spec;
    let pos = 0;

    // Leading whitespace (anything that normalizes to a single space) is dropped.
    if (spec.removeExtraWhitespaces) {
      while (pos < input.length) {
        const [out, used] = this.normalizePrefix(input, pos);
        if (!(out.length === 1 && out[0] === SPACE)) break;
        pos += used;
      }
    }
    if (pos >= input.length) return '';

    const sink = new ByteSink();
    const space = spec.escapeWhitespaces ? SPACE_SYMBOL_BYTES : new Uint8Array([SPACE]);
    if (!this.suffix && spec.addDummyPrefix) sink.push(space);

    let prevIsSpace = spec.removeExtraWhitespaces;
    while (pos < input.length) {
      const [out, used] = this.normalizePrefix(input, pos);
      let from = 0;
      // Collapse runs: spaces at the start of this chunk are dropped after a chunk that ended in one.
      while (prevIsSpace && from < out.length && out[from] === SPACE) from++;
      if (from < out.length) {
        for (let i = from; i < out.length; i++) {
          if (out[i] === SPACE && spec.escapeWhitespaces) sink.push(SPACE_SYMBOL_BYTES);
          else sink.push(out, i, i + 1);
        }
        prevIsSpace = out[out.length - 1] === SPACE;
      }
      pos += used;
      if (!spec.removeExtraWhitespaces) prevIsSpace = false;
    }

    if (spec.removeExtraWhitespaces) {
      while (sink.endsWith(space)) sink.length -= space.length;
    }
    if (this.suffix && spec.addDummyPrefix) sink.push(space);
    return decoder.decode(sink.bytes.subarray(0, sink.length));
  }

  /**
   * The normalized form of the longest rule matching at `pos` and how many input bytes it consumes:
   * a user-defined symbol verbatim, else the longest charsmap key, else the character itself.
   */
  private normalizePrefix(input: Uint8Array, pos: number): [Uint8Array, number] {
    const candidates = this.userDefined.get(input[pos]);
    if (candidates) {
      for (const sym of candidates) {
        if (pos + sym.length > input.length) continue;
        let ok = true;
        for (let i = 1; i < sym.length && ok; i++) ok = input[pos + i] === sym[i];
        if (ok) return [sym, sym.length];
      }
    }
    if (this.charsMap) {
      const hits = this.charsMap.trie.commonPrefixSearch(input, pos, input.length);
      if (hits.length > 0) {
        const best = hits[hits.length - 1]; // results come shortest first
        const strings = this.charsMap.strings;
        let end = best.value;
        while (end < strings.length && strings[end] !== 0) end++;
        return [strings.subarray(best.value, end), best.length];
      }
    }
    const len = utf8Length(input[pos]);
    if (pos + len > input.length) return [REPLACEMENT_CHAR, 1];
    return [input.subarray(pos, pos + len), len];
  }
}
