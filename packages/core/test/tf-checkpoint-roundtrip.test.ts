/**
 * writeTfCheckpoint -> readTfCheckpoint round trips: the BERT fixture's safetensors tensors, every
 * dtype plus strings, and a tiny block size that forces many index blocks and restart points.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type DType, DTYPE_BYTES, type NamedTensors, numElements } from '../src/io/raw-tensor.ts';
import {
  type CheckpointTensor,
  TfCheckpointReader,
  crc32c,
  listVariables,
  readTfCheckpoint,
  writeTfCheckpoint,
} from '../src/io/tf-checkpoint/index.ts';
import { decodeFooter, readBlockHandle } from '../src/io/tf-checkpoint/sstable-format.ts';
import { parseBlock, readBlock } from '../src/io/tf-checkpoint/sstable-reader.ts';
import { shortSuccessor, shortestSeparator } from '../src/io/tf-checkpoint/sstable-writer.ts';
import { fixturePath, sharedAvailable, sharedPath } from '../../../test/helpers/paths.ts';

const tmp = mkdtempSync(join(tmpdir(), 'b4t-tfckpt-rt-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Minimal safetensors parse: u64 header length, JSON header, bytes. */
function parseSafetensors(path: string): NamedTensors {
  const buf = readFileSync(path);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
  const out: NamedTensors = new Map();
  // biome-ignore lint/suspicious/noExplicitAny: decoded protobuf / JSON objects are untyped here
  for (const [name, e] of Object.entries<any>(header)) {
    if (name === '__metadata__') continue;
    const [b, end] = e.data_offsets;
    out.set(name, { dtype: e.dtype, shape: e.shape, data: new Uint8Array(buf.subarray(8 + n + b, 8 + n + end)) });
  }
  return out;
}

/** dtype, shape and bytes equal (byte comparison via Buffer: deep-equal on big typed arrays is slow). */
function expectSame(actual: CheckpointTensor | undefined, expected: CheckpointTensor, name: string): void {
  expect(actual, name).toBeDefined();
  expect([actual!.dtype, actual!.shape], name).toEqual([expected.dtype, expected.shape]);
  const bytes = (t: CheckpointTensor): Buffer[] =>
    (t.dtype === 'STRING' ? t.values : [t.data]).map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength));
  const [a, e] = [bytes(actual!), bytes(expected)];
  expect(a.length, name).toBe(e.length);
  a.forEach((b, i) => expect(b.equals(e[i]), `${name} element ${i}`).toBe(true));
}

function utf8Order(names: string[]): string[] {
  return [...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

describe('writeTfCheckpoint round trip', () => {
  it('the BERT fixture safetensors tensors come back identical', () => {
    const src = parseSafetensors(fixturePath('bert', 'model.safetensors'));
    // weights-names.txt lists the stored tensors (name, dtype, shape) before its "NOT stored" section.
    const listing = readFileSync(fixturePath('bert', 'weights-names.txt'), 'utf8').split('NOT stored')[0];
    const rows = listing
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split('\t'));
    const names = rows.map((r) => r[0]);
    expect([...src.keys()].sort()).toEqual([...names].sort());
    for (const [name, dtype, shape] of rows)
      expect([src.get(name)!.dtype, src.get(name)!.shape]).toEqual([dtype, JSON.parse(shape)]);

    const prefix = writeTfCheckpoint(join(tmp, 'bert', 'model.ckpt'), src);
    expect(readdirSync(join(tmp, 'bert')).sort()).toEqual(['model.ckpt.data-00000-of-00001', 'model.ckpt.index']);
    const back = readTfCheckpoint(prefix);
    expect([...back.keys()]).toEqual(utf8Order(names));
    for (const [name, t] of src) expectSame(back.get(name), t, name);
    expect(listVariables(prefix)).toEqual(
      utf8Order(names).map((n) => ({ name: n, dtype: src.get(n)!.dtype, shape: src.get(n)!.shape })),
    );

    // The data shard is exactly the tensors back to back, in name order.
    const shard = readFileSync(`${prefix}.data-00000-of-00001`);
    expect(shard.length).toBe([...src.values()].reduce((s, t) => s + t.data.length, 0));
    // Header entry: 1 shard, little-endian, producer 1.
    const reader = TfCheckpointReader.open(prefix);
    expect(reader.header).toEqual({ numShards: 1, endianness: 0, producer: 1, minConsumer: 0, badConsumers: [] });
    const first = reader.entry(utf8Order(names)[0]);
    expect(first.offset).toBe(0);
    expect(first.crc32c).not.toBe(crc32c(src.get(utf8Order(names)[0])!.data)); // stored masked, not raw
  });

  it('every dtype, scalars, empty tensors and strings survive; names sort byte-wise', () => {
    const dtypes: DType[] = ['F64', 'F32', 'F16', 'BF16', 'I64', 'I32', 'I16', 'I8', 'U8', 'BOOL'];
    const tensors = new Map<string, CheckpointTensor>();
    dtypes.forEach((dtype, k) => {
      const shape = [2, 3];
      const data = new Uint8Array(numElements(shape) * DTYPE_BYTES[dtype]).map((_, i) => (i * 31 + k) & 0xff);
      if (dtype === 'BOOL')
        data.forEach((_, i) => {
          data[i] = i & 1;
        });
      tensors.set(`t/${dtype}`, { dtype, shape, data });
    });
    tensors.set('scalar', { dtype: 'F32', shape: [], data: new Uint8Array(new Float32Array([1.5]).buffer) });
    tensors.set('empty', { dtype: 'F32', shape: [0, 4], data: new Uint8Array(0) });
    const enc = new TextEncoder();
    tensors.set('strings', {
      dtype: 'STRING',
      shape: [3],
      values: [enc.encode('héllo'), new Uint8Array(0), new Uint8Array(300).fill(7)],
    });
    tensors.set('Zebra', { dtype: 'I8', shape: [1], data: new Uint8Array([5]) });
    tensors.set('é-after-z', { dtype: 'I8', shape: [1], data: new Uint8Array([6]) });

    const prefix = writeTfCheckpoint(join(tmp, 'all', 'x.ckpt'), tensors);
    const back = readTfCheckpoint(prefix);
    const names = utf8Order([...tensors.keys()]);
    expect([...back.keys(), ...back.strings.keys()].sort()).toEqual([...names].sort());
    expect(listVariables(prefix).map((v) => v.name)).toEqual(names);
    for (const [name, t] of tensors) {
      expectSame(t.dtype === 'STRING' ? back.strings.get(name) : back.get(name), t, name);
    }
  });

  it('a tiny block size gives many index blocks and restart points that still read back', () => {
    const tensors: NamedTensors = new Map();
    for (let i = 0; i < 300; i++) {
      tensors.set(`layer_${String(i).padStart(3, '0')}/kernel`, {
        dtype: 'I32',
        shape: [1],
        data: new Uint8Array(new Int32Array([i]).buffer),
      });
    }
    const small = writeTfCheckpoint(join(tmp, 'small', 'm.ckpt'), tensors, { blockSize: 64 });
    const big = writeTfCheckpoint(join(tmp, 'big', 'm.ckpt'), tensors);
    // A 64-byte block size must produce a larger index (more blocks, more index entries).
    expect(readFileSync(`${small}.index`).length).toBeGreaterThan(readFileSync(`${big}.index`).length);
    for (const prefix of [small, big]) {
      const back = readTfCheckpoint(prefix);
      expect([...back.keys()]).toEqual([...tensors.keys()]);
      for (const [name, t] of tensors) expectSame(back.get(name), t, name);
    }
  });

  it('lays out blocks as LevelDB does: restart every 16 entries, empty metaindex, zero-padded footer', () => {
    const tensors: NamedTensors = new Map();
    for (let i = 0; i < 40; i++)
      tensors.set(`v${String(i).padStart(2, '0')}`, { dtype: 'U8', shape: [1], data: Uint8Array.of(i) });
    const prefix = writeTfCheckpoint(join(tmp, 'layout', 'm.ckpt'), tensors);
    const bytes = readFileSync(`${prefix}.index`);
    const { metaindex, index } = decodeFooter(bytes, 'm');
    const footer = bytes.subarray(bytes.length - 48);
    let handleBytes = 0; // two handles = four varints
    for (let k = 0; k < 4; k++) while (footer[handleBytes++] & 0x80);
    expect([...footer.subarray(handleBytes, 40)].every((b) => b === 0)).toBe(true);
    // An empty block is one restart offset (0) and the count (1).
    expect([...readBlock(bytes, metaindex, 'meta')]).toEqual([0, 0, 0, 0, 1, 0, 0, 0]);
    const idx = parseBlock(readBlock(bytes, index, 'index'), 'index');
    expect(idx.length).toBe(1);
    const data = readBlock(bytes, readBlockHandle(idx[0].value, 0, 'h').handle, 'data');
    const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const restarts = dv.getUint32(data.length - 4, true);
    expect(restarts).toBe(Math.ceil(41 / 16)); // 40 tensors + the header entry
    for (let r = 1; r < restarts; r++) {
      const at = dv.getUint32(data.length - 4 - (restarts - r) * 4, true);
      expect(data[at], `restart ${r} stores its key whole`).toBe(0);
    }
  });

  it('separators follow LevelDB: shortest key between blocks, short successor after the last', () => {
    const b = (s: string): Uint8Array => new TextEncoder().encode(s);
    expect(shortestSeparator(b('abc1xyz'), b('abc9'))).toEqual(b('abc2'));
    expect(shortestSeparator(b('abc'), b('abd'))).toEqual(b('abc')); // 'c'+1 is not < 'd'
    expect(shortestSeparator(b('ab'), b('abc'))).toEqual(b('ab')); // a prefix is kept
    expect(shortSuccessor(b('model/wte'))).toEqual(b('n'));
    expect(shortSuccessor(Uint8Array.of(0xff, 0xff, 1, 7))).toEqual(Uint8Array.of(0xff, 0xff, 2));
  });

  it('an empty checkpoint writes a header-only index', () => {
    const prefix = writeTfCheckpoint(join(tmp, 'none', 'e.ckpt.index'), new Map());
    expect(prefix.endsWith('e.ckpt')).toBe(true);
    expect(listVariables(prefix)).toEqual([]);
    expect(readFileSync(`${prefix}.data-00000-of-00001`).length).toBe(0);
  });

  it('refuses tensors whose data does not match dtype and shape, writing nothing', () => {
    const bad: NamedTensors = new Map([['w', { dtype: 'F32', shape: [3], data: new Uint8Array(8) }]]);
    expect(() => writeTfCheckpoint(join(tmp, 'bad', 'm.ckpt'), bad)).toThrow(/"w".*needs 12 bytes/);
    expect(() => readdirSync(join(tmp, 'bad'))).toThrow();
  });
});

const UNCOMPRESSED_REAL = [
  'keras-bert-tiny/bert_model.ckpt',
  'keras-transformer-xl/test_checkpoint_div_2/model.ckpt',
  'keras-xlnet/test_checkpoint_pre/xlnet_model.ckpt',
  'keras-gpt2-toy/model.ckpt',
  'tf-serving/saved_model_half_plus_three/variables/variables',
  'tf-serving/saved_model_counter/variables/variables',
];

describe.skipIf(!sharedAvailable('fixtures/real'))('writer output equals what TensorFlow wrote', () => {
  it.each(UNCOMPRESSED_REAL)('%s: re-writing its tensors reproduces the upstream .index and data bytes', (src) => {
    const upstream = sharedPath('fixtures/real', src);
    const out = writeTfCheckpoint(join(tmp, 'tf', src.replace(/\//g, '_')), readTfCheckpoint(upstream));
    expect(readFileSync(`${out}.index`).equals(readFileSync(`${upstream}.index`))).toBe(true);
    expect(readFileSync(`${out}.data-00000-of-00001`).equals(readFileSync(`${upstream}.data-00000-of-00001`))).toBe(
      true,
    );
  });
});
