// safetensors files that are not what their header says are refused by name: a header naming a tensor
// twice (JSON.parse would keep the last one silently) and bytes after the last tensor's data.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSafetensors, readSafetensors, readSafetensorsHeader } from '../src/index.ts';

const tmp = mkdtempSync(join(tmpdir(), 'b4t-st-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function file(header: string, data: number): Uint8Array {
  const h = Buffer.from(header);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length));
  return Buffer.concat([len, h, Buffer.alloc(data)]);
}

describe('safetensors strictness', () => {
  it('a well-formed file still parses (nested keys and escaped quotes are not mistaken for duplicates)', () => {
    const ok = file(
      '{"__metadata__":{"a":"x"},"t\\"1":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"u":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}',
      8,
    );
    expect([...parseSafetensors(ok).keys()]).toEqual(['t"1', 'u']);
  });

  it('refuses a header naming a tensor twice', () => {
    const dup = file(
      '{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}',
      8,
    );
    expect(() => parseSafetensors(dup, 'dup.safetensors')).toThrow(
      'dup.safetensors: tensor "w": the header names this tensor twice',
    );
  });

  it('refuses bytes after the last tensor, from memory and from a file', () => {
    const extra = file('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', 7);
    expect(() => parseSafetensors(extra, 'x.safetensors')).toThrow(
      /x\.safetensors: 3 byte\(s\) follow the last tensor's data/,
    );
    const path = join(tmp, 'extra.safetensors');
    writeFileSync(path, extra);
    expect(() => readSafetensorsHeader(path)).toThrow(/3 byte\(s\) follow/);
    expect(() => readSafetensors(path)).toThrow(/3 byte\(s\) follow/);
  });
});
