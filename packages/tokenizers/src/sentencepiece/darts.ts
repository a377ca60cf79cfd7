/**
 * A reader for the double-array trie (darts-clone layout) that sentencepiece serializes into a normalizer's
 * precompiled character map. Only lookups are needed: we never build one.
 *
 * Each unit is a little-endian uint32: bits 0-7 label, bit 8 "has leaf", bit 9 selects an offset scale,
 * bits 10-31 offset; a leaf unit holds its value in the low 31 bits.
 */

/** One hit of {@link DoubleArrayTrie.commonPrefixSearch}: the key length in bytes and its value. */
export interface TrieMatch {
  length: number;
  value: number;
}

/** Read-only double-array trie over byte keys. */
export class DoubleArrayTrie {
  private readonly units: Uint32Array;

  /** @param units the trie's units, already decoded from little-endian. */
  constructor(units: Uint32Array) {
    this.units = units;
  }

  /** Reads a trie from its serialized bytes (length must be a multiple of 4). */
  static fromBytes(bytes: Uint8Array): DoubleArrayTrie {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const units = new Uint32Array(bytes.byteLength >>> 2);
    for (let i = 0; i < units.length; i++) units[i] = view.getUint32(i * 4, true);
    return new DoubleArrayTrie(units);
  }

  /** Number of units. */
  get size(): number {
    return this.units.length;
  }

  /**
   * Every key that is a prefix of `key[start..end)`, shortest first. Stops (returns what it has) when a
   * transition leaves the array, which only a malformed trie can cause.
   */
  commonPrefixSearch(key: Uint8Array, start: number, end: number): TrieMatch[] {
    const units = this.units;
    const results: TrieMatch[] = [];
    let pos = offsetOf(units[0]);
    for (let i = start; i < end; i++) {
      const label = key[i];
      pos ^= label;
      if (pos >= units.length) return results;
      const unit = units[pos];
      // A leaf unit's label has the top bit set, so it never equals a byte.
      if ((unit & 0x800000ff) >>> 0 !== label) return results;
      pos ^= offsetOf(unit);
      if ((unit >>> 8) & 1) {
        if (pos >= units.length) return results;
        results.push({ length: i - start + 1, value: units[pos] & 0x7fffffff });
      }
    }
    return results;
  }
}

function offsetOf(unit: number): number {
  return ((unit >>> 10) << ((unit & (1 << 9)) >>> 6)) >>> 0;
}
