/**
 * Little-endian base-128 varints (LevelDB/protobuf style) over plain numbers. Values are offsets and
 * sizes, so anything past 2^53 is refused rather than silently rounded.
 */
import { Bert4tfjsError } from '../../errors.ts';

/** A decoded varint and the position just after it. */
export interface VarintRead {
  value: number;
  next: number;
}

/**
 * Reads a varint64 at `pos`. `what` names the field for error messages (e.g. "x.index block at 120").
 * Throws a Bert4tfjsError if the varint runs past `end`, is longer than 10 bytes, or exceeds 2^53.
 */
export function readVarint(bytes: Uint8Array, pos: number, what: string, end: number = bytes.length): VarintRead {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) {
      throw new Bert4tfjsError(`${what}: varint runs past the end of its data (truncated or corrupt)`, 'bad-file');
    }
    const b = bytes[pos++];
    value += (b & 0x7f) * scale;
    if (!(b & 0x80)) {
      if (!Number.isSafeInteger(value)) {
        throw new Bert4tfjsError(`${what}: varint value ${value} is beyond 2^53`, 'bad-file');
      }
      return { value, next: pos };
    }
    scale *= 128;
  }
  throw new Bert4tfjsError(`${what}: varint longer than 10 bytes (corrupt)`, 'bad-file');
}

/** Appends the varint encoding of a non-negative safe integer to `out`. */
export function pushVarint(out: number[], value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Bert4tfjsError(`varint: expected a non-negative integer below 2^53, got ${value}`, 'bad-argument');
  }
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}
