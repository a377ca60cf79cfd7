/** CRC-32C against published check values (RFC 3720 B.4 and the standard "123456789" check). */
import { describe, expect, it } from 'vitest';
import { crc32c, crc32cExtend, maskCrc, unmaskCrc } from '../src/io/tf-checkpoint/index.ts';

describe('crc32c', () => {
  it('matches the published check values', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });

  it('agrees with a bit-at-a-time reference at every alignment and length', () => {
    // Reference straight from the definition: reflected polynomial 0x82f63b78, init and final xor ~0.
    const reference = (data: Uint8Array): number => {
      let c = 0xffffffff;
      for (const b of data) {
        c ^= b;
        for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
      }
      return (c ^ 0xffffffff) >>> 0;
    };
    const buf = Uint8Array.from({ length: 400 }, (_, i) => (i * 131 + 7) & 0xff);
    for (let start = 0; start < 8; start++) {
      for (const len of [0, 1, 7, 63, 64, 65, 71, 200, 391]) {
        const view = buf.subarray(start, start + len);
        expect(crc32c(view)).toBe(reference(view));
      }
    }
  });

  it('extends across any split point', () => {
    const data = Uint8Array.from({ length: 53 }, (_, i) => (i * 37 + 11) & 0xff);
    const whole = crc32c(data);
    for (let cut = 0; cut <= data.length; cut++) {
      expect(crc32cExtend(crc32c(data.subarray(0, cut)), data.subarray(cut))).toBe(whole);
    }
  });

  it('mask follows the rotate-and-add definition and unmask inverts it', () => {
    for (const c of [0, 1, 0xe3069283, 0xffffffff, 0x80000000]) {
      const rot = ((c >>> 15) | (c << 17)) >>> 0;
      expect(maskCrc(c)).toBe((rot + 0xa282ead8) % 2 ** 32);
      expect(unmaskCrc(maskCrc(c))).toBe(c);
    }
  });
});
