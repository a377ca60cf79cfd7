import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  parseSafetensors,
  readSafetensors,
  readSafetensorsHeader,
  readSafetensorsWithMetadata,
  serializeSafetensors,
  writeSafetensors,
} from '../src/io/safetensors.ts';
import { float32ToRaw, intToRaw, rawToFloat32, type NamedTensors } from '../src/io/raw-tensor.ts';
import { fixturePath } from '../../../test/helpers/paths.ts';

const tmp = mkdtempSync(join(tmpdir(), 'b4t-st-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const FIXTURES = [
  'bert/model.safetensors',
  'bert/expected.safetensors',
  'albert/model.safetensors',
  'albert/expected.safetensors',
  't5/model.safetensors',
  't5/expected.safetensors',
  'mt5/model.safetensors',
  'mt5/expected.safetensors',
  'transfo_xl/model.safetensors',
  'transfo_xl/expected.safetensors',
  'performer/performer.safetensors',
];

/** `name dtype [shape]` lines of a weights-names.txt, skipping comments and alias lines. */
function listedWeights(family: string): Map<string, { dtype: string; shape: number[] }> {
  const out = new Map<string, { dtype: string; shape: number[] }>();
  for (const line of readFileSync(fixturePath(family, 'weights-names.txt'), 'utf8').split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue;
    const parts = line.split('\t');
    if (parts.length !== 3 || !parts[2].startsWith('[')) continue; // skip alias lines (name = stored)
    out.set(parts[0], { dtype: parts[1], shape: JSON.parse(parts[2]) as number[] });
  }
  return out;
}

/** Builds a file: u64 header length, header text, data bytes. */
function buildFile(
  name: string,
  header: string | object,
  data: Uint8Array = new Uint8Array(0),
  lengthOverride?: bigint,
): string {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(lengthOverride ?? BigInt(json.length));
  const path = join(tmp, name);
  writeFileSync(path, Buffer.concat([prefix, json, data]));
  return path;
}

describe('readSafetensors', () => {
  for (const family of ['bert', 'albert', 't5', 'mt5', 'transfo_xl']) {
    it(`${family}: names, dtypes and shapes match weights-names.txt`, () => {
      const want = listedWeights(family);
      const got = readSafetensors(fixturePath(family, 'model.safetensors'));
      expect(want.size).toBeGreaterThan(0);
      expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
      for (const [name, w] of want) {
        const t = got.get(name)!;
        expect({ name, dtype: t.dtype, shape: t.shape }).toEqual({ name, dtype: w.dtype, shape: w.shape });
      }
    });
  }

  it('decodes the int64 position_ids buffer of bert as 0..n-1', () => {
    const t = readSafetensors(fixturePath('bert/model.safetensors')).get('bert.embeddings.position_ids')!;
    const n = t.shape[t.shape.length - 1];
    expect(Array.from(rawToFloat32(t))).toEqual(Array.from({ length: n }, (_, i) => i));
  });

  it('tensor bytes are the bytes the header offsets point to (checked with an independent parse)', () => {
    const bytes = readFileSync(fixturePath('bert/model.safetensors'));
    const n = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) as Record<
      string,
      { data_offsets: [number, number] }
    >;
    const got = readSafetensors(fixturePath('bert/model.safetensors'));
    for (const [name, e] of Object.entries(header)) {
      if (name === '__metadata__') continue;
      expect(
        Buffer.from(got.get(name)!.data).equals(bytes.subarray(8 + n + e.data_offsets[0], 8 + n + e.data_offsets[1])),
      ).toBe(true);
    }
  });

  it('reads metadata, and the header alone without the data', () => {
    const { metadata } = readSafetensorsWithMetadata(fixturePath('bert/expected.safetensors'));
    expect(metadata.format).toBe('np');
    const h = readSafetensorsHeader(fixturePath('bert/model.safetensors'));
    expect(h.metadata).toEqual({ format: 'pt' });
    expect(h.tensors.size).toBe(listedWeights('bert').size);
    const bytes = readFileSync(fixturePath('bert/model.safetensors'));
    expect(h.dataStart).toBe(8 + Number(bytes.readBigUInt64LE(0)));
  });
});

describe('writeSafetensors round trip', () => {
  for (const rel of FIXTURES) {
    it(`${rel}: every tensor comes back byte-equal`, () => {
      const src = readSafetensorsWithMetadata(fixturePath(rel));
      const out = join(tmp, rel.replace('/', '_'));
      writeSafetensors(out, src.tensors, src.metadata);
      const back = readSafetensorsWithMetadata(out);
      expect(back.metadata).toEqual(src.metadata);
      expect([...back.tensors.keys()]).toEqual([...src.tensors.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      for (const [name, t] of src.tensors) {
        const b = back.tensors.get(name)!;
        expect(b.dtype).toBe(t.dtype);
        expect(b.shape).toEqual(t.shape);
        expect(Buffer.from(b.data).equals(Buffer.from(t.data))).toBe(true);
      }
    });
  }

  it('pads the header with spaces to a multiple of 8 and lays data out in name order', () => {
    const tensors: NamedTensors = new Map([
      ['b', intToRaw([7], [1], 'I32')],
      ['a', float32ToRaw(new Float32Array([1, 2, 3]), [3])],
    ]);
    const bytes = Buffer.concat(serializeSafetensors(tensors, { k: 'v' }));
    const n = Number(bytes.readBigUInt64LE(0));
    expect(n % 8).toBe(0);
    const text = bytes.subarray(8, 8 + n).toString('utf8');
    expect(text.trimEnd().length).toBe(JSON.stringify(JSON.parse(text)).length);
    expect(/^ *$/.test(text.slice(text.trimEnd().length))).toBe(true);
    const header = JSON.parse(text);
    expect(header.a.data_offsets).toEqual([0, 12]);
    expect(header.b.data_offsets).toEqual([12, 16]);
    expect(header.__metadata__).toEqual({ k: 'v' });
    expect(bytes.readFloatLE(8 + n + 4)).toBe(2);
    expect(bytes.readInt32LE(8 + n + 12)).toBe(7);
  });

  it('f16 and bf16 write-then-read stay within half an ulp of the format', () => {
    const values = new Float32Array(200);
    for (let i = 0; i < values.length; i++) values[i] = Math.sin(i * 1.7) * 10 ** ((i % 9) - 4);
    const path = join(tmp, 'half.safetensors');
    writeSafetensors(
      path,
      new Map([
        ['h', float32ToRaw(values, [10, 20], 'F16')],
        ['b', float32ToRaw(values, [10, 20], 'BF16')],
      ]),
    );
    const back = readSafetensors(path);
    expect(back.get('h')!.dtype).toBe('F16');
    expect(back.get('b')!.dtype).toBe('BF16');
    const h = rawToFloat32(back.get('h')!);
    const b = rawToFloat32(back.get('b')!);
    for (let i = 0; i < values.length; i++) {
      const x = Math.abs(values[i]);
      // Round to nearest: relative error <= 2^-(mantissa bits + 1); f16 subnormals (below 2^-14) have a fixed step 2^-24.
      const f16Bound = x < 2 ** -14 ? 2 ** -25 : x * 2 ** -11;
      expect(Math.abs(h[i] - values[i])).toBeLessThanOrEqual(f16Bound);
      expect(Math.abs(b[i] - values[i])).toBeLessThanOrEqual(x * 2 ** -8);
    }
  });
});

describe('bad safetensors input names the file and the tensor', () => {
  const f32 = (n: number) => new Uint8Array(n * 4);
  const cases: Array<[string, () => string, RegExp, string | undefined]> = [
    [
      'file shorter than 8 bytes',
      () => {
        const p = join(tmp, 'short.safetensors');
        writeFileSync(p, Buffer.from([1, 2, 3]));
        return p;
      },
      /shorter than the 8-byte/,
      undefined,
    ],
    [
      'header length beyond the file',
      () => buildFile('hlen.safetensors', {}, undefined, 1000n),
      /runs past the end of the file/,
      undefined,
    ],
    ['header not JSON', () => buildFile('notjson.safetensors', '{"a": '), /not valid UTF-8 JSON/, undefined],
    ['header not an object', () => buildFile('array.safetensors', '[1, 2]'), /must be a JSON object/, undefined],
    [
      'unknown dtype',
      () =>
        buildFile(
          'dtype.safetensors',
          { w: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } },
          new Uint8Array(1),
        ),
      /unknown dtype "F8_E4M3"/,
      'w',
    ],
    [
      'offsets out of order',
      () => buildFile('order.safetensors', { w: { dtype: 'F32', shape: [0], data_offsets: [8, 4] } }, f32(2)),
      /out of order/,
      'w',
    ],
    [
      'overlapping offsets',
      () =>
        buildFile(
          'overlap.safetensors',
          {
            a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
            b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
          },
          f32(3),
        ),
      /overlap those of tensor "a"/,
      'b',
    ],
    [
      'offsets out of the buffer',
      () => buildFile('oob.safetensors', { w: { dtype: 'F32', shape: [2], data_offsets: [8, 16] } }, f32(2)),
      /only 8 bytes follow the header/,
      'w',
    ],
    [
      'byte size not matching dtype x shape',
      () => buildFile('size.safetensors', { w: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 20] } }, f32(5)),
      /needs 24/,
      'w',
    ],
    [
      'truncated data',
      () => {
        const full = readFileSync(fixturePath('bert/model.safetensors'));
        const p = join(tmp, 'truncated.safetensors');
        writeFileSync(p, full.subarray(0, full.length - 100));
        return p;
      },
      /file truncated/,
      undefined,
    ],
  ];
  for (const [label, make, pattern, tensor] of cases) {
    it(label, () => {
      const path = make();
      for (const read of [() => readSafetensors(path), () => readSafetensorsHeader(path)]) {
        let msg = '';
        try {
          read();
        } catch (err) {
          msg = (err as Error).message;
          expect((err as Error).name).toBe('Bert4tfjsError');
        }
        expect(msg).toContain(path);
        expect(msg).toMatch(pattern);
        if (tensor) expect(msg).toContain(`"${tensor}"`);
      }
    });
  }

  it('parseSafetensors names the given source in errors', () => {
    expect(() => parseSafetensors(new Uint8Array(4), 'upload.bin')).toThrow(/upload\.bin/);
  });

  it('the writer refuses data that does not fill dtype x shape', () => {
    const bad: NamedTensors = new Map([['w', { dtype: 'F32', shape: [3], data: new Uint8Array(8) }]]);
    expect(() => serializeSafetensors(bad)).toThrow(/tensor "w".*12 bytes.*8 bytes/);
  });
});
