import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSafetensors } from '../src/io/safetensors.ts';
import { readTorchBin, serializeTorchBin, writeTorchBin } from '../src/io/torch/index.ts';
import { buildStoredZip } from '../src/io/torch/zip-write.ts';
import { float32ToRaw, intToRaw, rawToFloat32, type NamedTensors, type RawTensor } from '../src/io/raw-tensor.ts';
import { fixturePath } from '../../../test/helpers/paths.ts';

const tmp = mkdtempSync(join(tmpdir(), 'b4t-torch-'));
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

function expectSameTensors(got: NamedTensors, want: NamedTensors): void {
  expect([...got.keys()]).toEqual([...want.keys()]);
  for (const [name, t] of want) {
    const g = got.get(name)!;
    expect({ name, dtype: g.dtype, shape: g.shape }).toEqual({ name, dtype: t.dtype, shape: t.shape });
    expect(Buffer.from(g.data).equals(Buffer.from(t.data))).toBe(true);
  }
}

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

/** Builds pickle bytes from opcodes, written out by hand from the pickle format. */
class Pk {
  private b: number[] = [0x80, 2];
  op(...bytes: number[]): this {
    this.b.push(...bytes);
    return this;
  }
  global(mod: string, name: string): this {
    return this.op(0x63, ...Buffer.from(`${mod}\n${name}\n`));
  }
  str(s: string): this {
    const x = Buffer.from(s);
    return this.op(0x58, x.length & 0xff, x.length >> 8, 0, 0, ...x);
  }
  short(s: string): this {
    const x = Buffer.from(s);
    return this.op(0x8c, x.length, ...x);
  }
  int(n: number): this {
    return this.op(0x4a, ...[0, 8, 16, 24].map((s) => (n >>> s) & 0xff));
  }
  tuple(ns: number[]): this {
    this.op(0x28);
    ns.forEach((n) => this.int(n));
    return this.op(0x74);
  }
  /** `_rebuild_tensor_v2(('storage', FloatStorage, key, 'cpu', numel), offset, size, stride, False, OrderedDict())` */
  tensor(key: string, numel: number, offset: number, size: number[], stride: number[]): this {
    this.global('torch._utils', '_rebuild_tensor_v2').op(0x28, 0x28).str('storage').global('torch', 'FloatStorage');
    this.str(key).str('cpu').int(numel).op(0x74, 0x51).int(offset).tuple(size).tuple(stride).op(0x89);
    return this.global('collections', 'OrderedDict').op(0x29, 0x52, 0x74, 0x52);
  }
  /** `{name: tensor, ...}` built with EMPTY_DICT + MARK ... SETITEMS; `add` pushes the values. */
  dict(add: (p: this) => void): this {
    this.op(0x7d, 0x28);
    add(this);
    return this.op(0x75);
  }
  end(): Uint8Array {
    return Uint8Array.from([...this.b, 0x2e]);
  }
}

function f32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

function writeZip(name: string, entries: Array<{ name: string; data: Uint8Array }>): string {
  const path = join(tmp, name);
  writeFileSync(path, Buffer.concat(buildStoredZip(entries)));
  return path;
}

describe('writeTorchBin -> readTorchBin', () => {
  for (const rel of FIXTURES) {
    it(`${rel}: identical tensors`, () => {
      const src = readSafetensors(fixturePath(rel));
      const path = join(tmp, `${rel.replace('/', '_')}.bin`);
      writeTorchBin(path, src);
      expectSameTensors(readTorchBin(path), src);
    });
  }

  it('F16, BF16, I64, F64, BOOL, scalar and empty tensors survive', () => {
    const t: NamedTensors = new Map<string, RawTensor>([
      ['h', float32ToRaw(new Float32Array([1.5, -2, 65504]), [3], 'F16')],
      ['b', float32ToRaw(new Float32Array([3.25, 1e30]), [2, 1], 'BF16')],
      ['i', intToRaw([-1, 2 ** 40, 7], [3], 'I64')],
      ['d', { dtype: 'F64', shape: [], data: new Uint8Array(new Float64Array([Math.PI]).buffer) }],
      ['m', { dtype: 'BOOL', shape: [2], data: Uint8Array.from([1, 0]) }],
      ['e', { dtype: 'F32', shape: [0, 4], data: new Uint8Array(0) }],
    ]);
    const path = join(tmp, 'mixed.bin');
    writeTorchBin(path, t);
    expectSameTensors(readTorchBin(path), t);
  });

  it('has the torch.save layout: data.pkl first, stored entries, 64-byte aligned data, version "3"', () => {
    const src = readSafetensors(fixturePath('bert/model.safetensors'));
    const bytes = Buffer.concat(serializeTorchBin(src));
    // Walk the local headers directly (signature 0x04034b50, 30-byte header, name, extra, data).
    const seen: Array<{ name: string; data: Buffer }> = [];
    for (let p = 0; bytes.readUInt32LE(p) === 0x04034b50; ) {
      const method = bytes.readUInt16LE(p + 8);
      const size = bytes.readUInt32LE(p + 18);
      const nameLen = bytes.readUInt16LE(p + 26);
      const extraLen = bytes.readUInt16LE(p + 28);
      const start = p + 30 + nameLen + extraLen;
      expect(method).toBe(0);
      expect(start % 64).toBe(0);
      seen.push({
        name: bytes.subarray(p + 30, p + 30 + nameLen).toString(),
        data: bytes.subarray(start, start + size),
      });
      p = start + size;
    }
    const names = seen.map((e) => e.name);
    expect(names[0]).toBe('archive/data.pkl');
    expect(names.at(-1)).toBe('archive/version');
    expect(seen.at(-1)!.data.toString()).toBe('3\n');
    expect(names.filter((n) => n.startsWith('archive/data/')).length).toBe(src.size);
    const pkl = seen[0].data;
    expect([pkl[0], pkl[1], pkl.at(-1)]).toEqual([0x80, 2, 0x2e]); // PROTO 2 ... STOP
    expect(pkl.includes(Buffer.from('ccollections\nOrderedDict\n'))).toBe(true);
    expect(pkl.includes(Buffer.from('ctorch._utils\n_rebuild_tensor_v2\n'))).toBe(true);
    // Each storage record holds exactly one tensor's bytes, keys in state-dict order.
    [...src.values()].forEach((t, i) => {
      expect(seen.find((e) => e.name === `archive/data/${i}`)!.data.equals(Buffer.from(t.data))).toBe(true);
    });
  });
});

describe('readTorchBin on hand-built checkpoints', () => {
  const storage = f32Bytes([0, 1, 2, 3, 4, 5]);

  it('gathers non-contiguous views (transpose, offset + stride) into contiguous copies', () => {
    const pkl = new Pk()
      .dict((p) => {
        p.str('t').tensor('0', 6, 0, [3, 2], [1, 3]); // transpose of the 2x3 row-major storage
        p.str('s').tensor('0', 6, 1, [2], [2]); // every other element from 1
        p.str('c').tensor('0', 6, 2, [2, 2], [2, 1]); // contiguous slice at an offset
      })
      .end();
    const path = writeZip('strided.bin', [
      { name: 'ckpt/data.pkl', data: pkl },
      { name: 'ckpt/data/0', data: storage },
      { name: 'ckpt/version', data: Buffer.from('3\n') },
    ]);
    const got = readTorchBin(path);
    const base = [0, 1, 2, 3, 4, 5];
    const expectView = (name: string, offset: number, size: number[], stride: number[]) => {
      const want: number[] = [];
      for (let i = 0; i < size[0]; i++) {
        if (size.length === 1) want.push(base[offset + i * stride[0]]);
        else for (let j = 0; j < size[1]; j++) want.push(base[offset + i * stride[0] + j * stride[1]]);
      }
      expect(got.get(name)!.shape).toEqual(size);
      expect(Array.from(rawToFloat32(got.get(name)!))).toEqual(want);
    };
    expectView('t', 0, [3, 2], [1, 3]);
    expectView('s', 1, [2], [2]);
    expectView('c', 2, [2, 2], [2, 1]);
  });

  it('takes the state dict nested under "state_dict", skipping non-tensor entries', () => {
    const pkl = new Pk()
      .dict((p) => {
        p.str('epoch').int(3);
        p.str('state_dict').dict((q) => {
          q.str('w').tensor('0', 6, 0, [6], [1]);
          q.str('note').str('x');
        });
      })
      .end();
    const path = writeZip('nested.bin', [
      { name: 'a/data.pkl', data: pkl },
      { name: 'a/data/0', data: storage },
    ]);
    const got = readTorchBin(path);
    expect([...got.keys()]).toEqual(['w']);
    expect(Array.from(rawToFloat32(got.get('w')!))).toEqual([0, 1, 2, 3, 4, 5]);
  });

  for (const [label, pkl, qualname] of [
    ['GLOBAL os.system', new Pk().global('os', 'system').str('echo pwned').op(0x85, 0x52).end(), 'os.system'],
    [
      'STACK_GLOBAL builtins.eval',
      new Pk().short('builtins').short('eval').op(0x93).str('1+1').op(0x85, 0x52).end(),
      'builtins.eval',
    ],
  ] as const) {
    it(`refuses a pickle naming ${label}`, () => {
      const path = writeZip(`evil-${qualname}.bin`, [{ name: 'archive/data.pkl', data: pkl }]);
      const err = errorOf(() => readTorchBin(path));
      expect(err.name).toBe('Bert4tfjsError');
      expect(err.message).toContain(`"${qualname}"`);
      expect(err.message).toContain(path);
    });
  }

  it('reads the legacy (pre-1.6) format', () => {
    const magic = new Pk().op(0x8a, 10, ...Buffer.from('1950a86a20f9469cfc6c', 'hex').reverse()).end();
    const proto = new Pk().int(1001).end();
    const sys = new Pk().op(0x7d).end();
    const legacyTensor = (p: Pk) =>
      p
        .global('torch._utils', '_rebuild_tensor')
        .op(0x28, 0x28)
        .str('storage')
        .global('torch', 'FloatStorage')
        .str('k0')
        .str('cpu')
        .int(6)
        .op(0x4e, 0x74, 0x51)
        .int(0)
        .tuple([2, 3])
        .tuple([3, 1])
        .op(0x74, 0x52);
    const obj = new Pk()
      .dict((p) => {
        legacyTensor(p.str('w'));
      })
      .end();
    const keys = new Pk().op(0x5d, 0x28).str('k0').op(0x65).end();
    const count = Buffer.alloc(8);
    count.writeBigInt64LE(6n);
    const path = join(tmp, 'legacy.bin');
    writeFileSync(path, Buffer.concat([magic, proto, sys, obj, keys, count, storage]));
    const got = readTorchBin(path).get('w')!;
    expect(got.shape).toEqual([2, 3]);
    expect(Array.from(rawToFloat32(got))).toEqual([0, 1, 2, 3, 4, 5]);
  });
});

describe('bad PyTorch checkpoints name the file', () => {
  it('a truncated zip', () => {
    const src = readSafetensors(fixturePath('bert/model.safetensors'));
    const full = Buffer.concat(serializeTorchBin(src));
    const path = join(tmp, 'truncated.bin');
    writeFileSync(path, full.subarray(0, Math.floor(full.length / 2)));
    const err = errorOf(() => readTorchBin(path));
    expect(err.name).toBe('Bert4tfjsError');
    expect(err.message).toContain(path);
    expect(err.message).toMatch(/truncated/);
  });

  it('a zip without data.pkl', () => {
    const path = writeZip('nopkl.bin', [{ name: 'archive/version', data: Buffer.from('3\n') }]);
    const err = errorOf(() => readTorchBin(path));
    expect(err.message).toContain(path);
    expect(err.message).toContain('archive/data.pkl');
  });

  it('a corrupted storage record fails its CRC check', () => {
    const path = join(tmp, 'corrupt.bin');
    writeTorchBin(path, new Map([['w', float32ToRaw(new Float32Array([1, 2, 3, 4]), [4])]]));
    const bytes = readFileSync(path);
    const at = bytes.indexOf(Buffer.from(new Float32Array([1, 2, 3, 4]).buffer));
    bytes[at] ^= 0xff;
    writeFileSync(path, bytes);
    expect(() => readTorchBin(path)).toThrow(/CRC.*|corrupt/);
  });

  it('a view reaching past its storage', () => {
    const pkl = new Pk()
      .dict((p) => {
        p.str('w').tensor('0', 6, 4, [3], [1]);
      })
      .end();
    const path = writeZip('oob.bin', [
      { name: 'a/data.pkl', data: pkl },
      { name: 'a/data/0', data: f32Bytes([0, 1, 2, 3, 4, 5]) },
    ]);
    const err = errorOf(() => readTorchBin(path));
    expect(err.message).toContain(path);
    expect(err.message).toContain('"w"');
  });

  it('a file that is neither zip nor pickle', () => {
    const path = join(tmp, 'text.bin');
    writeFileSync(path, 'hello world');
    expect(() => readTorchBin(path)).toThrow(/not a PyTorch checkpoint/);
  });
});
