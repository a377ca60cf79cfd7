/**
 * Emits the protocol-2 pickle torch.save writes for a state dict: an OrderedDict whose values are
 * `torch._utils._rebuild_tensor_v2(<persistent storage>, offset, size, stride, False, OrderedDict())`
 * and whose storages are persistent ids `('storage', torch.<T>Storage, key, 'cpu', numel)`.
 */
import type { DType } from '../raw-tensor.ts';
import { storageClassFor } from './storage.ts';

/** One tensor entry of the state dict to pickle. */
export interface PickledTensor {
  name: string;
  dtype: DType;
  shape: number[];
  stride: number[];
  /** Storage key (the name of its `data/<key>` record). */
  key: string;
  numel: number;
}

/** Accumulates pickle opcodes with a memo, as Python's pickler does for repeated globals and strings. */
class PickleWriter {
  private parts: number[] = [];
  private memo = new Map<string, number>();

  byte(...b: number[]): void {
    this.parts.push(...b);
  }

  private u32(n: number): void {
    this.byte(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff);
  }

  /** Stores the top of the stack in the memo under `id`. */
  put(id: string): void {
    const i = this.memo.size;
    this.memo.set(id, i);
    if (i < 256)
      this.byte(0x71, i); // BINPUT
    else {
      this.byte(0x72);
      this.u32(i);
    } // LONG_BINPUT
  }

  /** Pushes a memoized value if `id` is known; returns whether it did. */
  get(id: string): boolean {
    const i = this.memo.get(id);
    if (i === undefined) return false;
    if (i < 256)
      this.byte(0x68, i); // BINGET
    else {
      this.byte(0x6a);
      this.u32(i);
    } // LONG_BINGET
    return true;
  }

  global(module: string, name: string): void {
    const id = `g:${module}.${name}`;
    if (this.get(id)) return;
    this.byte(0x63, ...new TextEncoder().encode(`${module}\n${name}\n`)); // GLOBAL
    this.put(id);
  }

  str(s: string, memoize = false): void {
    if (memoize && this.get(`s:${s}`)) return;
    const b = new TextEncoder().encode(s);
    this.byte(0x58); // BINUNICODE
    this.u32(b.length);
    this.byte(...b);
    if (memoize) this.put(`s:${s}`);
  }

  int(n: number): void {
    if (n >= 0 && n < 256)
      this.byte(0x4b, n); // BININT1
    else if (n >= 0 && n < 65536)
      this.byte(0x4d, n & 0xff, n >>> 8); // BININT2
    else if (n >= -0x80000000 && n < 0x80000000) {
      this.byte(0x4a);
      this.u32(n >>> 0);
    } // BININT
    else {
      // LONG1: minimal two's-complement little-endian
      const out: number[] = [];
      let v = BigInt(n);
      do {
        out.push(Number(v & 0xffn));
        v >>= 8n;
      } while (!(v === 0n && (out[out.length - 1] & 0x80) === 0) && !(v === -1n && (out[out.length - 1] & 0x80) !== 0));
      this.byte(0x8a, out.length, ...out);
    }
  }

  tuple(items: number[]): void {
    if (items.length === 0) {
      this.byte(0x29);
      return;
    } // EMPTY_TUPLE
    if (items.length > 3) this.byte(0x28); // MARK
    for (const x of items) this.int(x);
    this.byte(items.length === 1 ? 0x85 : items.length === 2 ? 0x86 : items.length === 3 ? 0x87 : 0x74);
  }

  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

// Python's pickler batches SETITEMS in groups of 1000.
const BATCH = 1000;

/** Pickles a state dict of tensors (in the given order) the way torch.save does. */
export function pickleStateDict(tensors: PickledTensor[]): Uint8Array {
  const w = new PickleWriter();
  w.byte(0x80, 2); // PROTO 2
  w.global('collections', 'OrderedDict');
  w.byte(0x29, 0x52); // EMPTY_TUPLE, REDUCE: OrderedDict()
  w.put('root');
  for (let b = 0; b < tensors.length; b += BATCH) {
    w.byte(0x28); // MARK
    for (const t of tensors.slice(b, b + BATCH)) {
      w.str(t.name);
      w.global('torch._utils', '_rebuild_tensor_v2');
      w.byte(0x28); // MARK: the argument tuple
      w.byte(0x28); // MARK: the persistent id tuple
      w.str('storage', true);
      w.global('torch', storageClassFor(t.dtype));
      w.str(t.key);
      w.str('cpu', true);
      w.int(t.numel);
      w.byte(0x74, 0x51); // TUPLE, BINPERSID
      w.int(0); // storage offset
      w.tuple(t.shape);
      w.tuple(t.stride);
      w.byte(0x89); // NEWFALSE: requires_grad
      w.global('collections', 'OrderedDict');
      w.byte(0x29, 0x52); // backward_hooks = OrderedDict()
      w.byte(0x74, 0x52); // TUPLE, REDUCE
    }
    w.byte(0x75); // SETITEMS
  }
  w.byte(0x2e); // STOP
  return w.bytes();
}
