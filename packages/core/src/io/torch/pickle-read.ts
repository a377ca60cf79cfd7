/**
 * A restricted pickle reader (protocols 2..5). It understands the data opcodes a PyTorch state dict
 * uses and resolves GLOBAL / STACK_GLOBAL only through a caller-supplied allow-list; it never imports
 * or executes anything. Python values map to: int -> number (bigint beyond 2^53), str -> string,
 * bytes -> Uint8Array, list/tuple -> array, dict -> Map, set -> Set, None -> null.
 */
import { Bert4tfjsError } from '../../errors.ts';

/** A callable the allow-list hands out for an allowed global; REDUCE/NEWOBJ call it. */
export class PyCallable {
  constructor(
    /** `module.name`, for errors. */
    readonly qualname: string,
    readonly call: (args: unknown[]) => unknown,
  ) {}
}

/** What the unpickler needs from its caller. */
export interface UnpickleOptions {
  /** Used in error messages, e.g. `model.bin (archive/data.pkl)`. */
  where: string;
  /** Resolves an allowed global or throws (naming `module.name`). */
  findClass(module: string, name: string): unknown;
  /** Resolves a persistent id (torch storages) or throws. */
  persistentLoad(pid: unknown): unknown;
  /** Called on BUILD(obj, state); return the built object or throw. Default: refuse. */
  build?(obj: unknown, state: unknown): unknown;
}

const MARK = Symbol('mark');

/** Unpickles one pickle starting at `start`; returns the value and the offset just past STOP. */
export function unpickle(bytes: Uint8Array, start: number, opts: UnpickleOptions): { value: unknown; end: number } {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let pos = start;
  let stack: unknown[] = [];
  const metastack: unknown[][] = [];
  const memo = new Map<number, unknown>();

  const fail = (msg: string, at = pos): never => {
    throw new Bert4tfjsError(`${opts.where}: ${msg} (pickle byte ${at})`, 'bad-file');
  };
  const need = (n: number): number => {
    if (n < 0 || pos + n > bytes.byteLength)
      fail(`pickle ends early: needs ${n} more bytes, ${bytes.byteLength - pos} left`);
    const at = pos;
    pos += n;
    return at;
  };
  const u8 = () => bytes[need(1)];
  const u16 = () => dv.getUint16(need(2), true);
  const u32 = () => dv.getUint32(need(4), true);
  const u64 = (): number => {
    const v = dv.getBigUint64(need(8), true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`length ${v} is too large`);
    return Number(v);
  };
  const take = (n: number) => bytes.subarray(need(n), pos);
  const text = (n: number): string => {
    const at = pos;
    try {
      return utf8.decode(take(n));
    } catch {
      return fail('string is not valid UTF-8', at);
    }
  };
  const line = (): string => {
    const nl = bytes.indexOf(0x0a, pos);
    if (nl < 0) fail('pickle ends early inside a text line');
    const s = new TextDecoder('latin1').decode(bytes.subarray(pos, nl));
    pos = nl + 1;
    return s;
  };
  const pop = (): unknown => {
    if (stack.length === 0) fail('pickle stack underflow');
    const v = stack.pop();
    if (v === MARK) fail('unexpected MARK on the pickle stack');
    return v;
  };
  const top = (): unknown => {
    if (stack.length === 0 || stack[stack.length - 1] === MARK) fail('pickle stack underflow');
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const items = stack;
    if (metastack.length === 0) fail('no MARK for a MARK-terminated opcode');
    stack = metastack.pop() as unknown[];
    return items;
  };
  const memoGet = (i: number) => (memo.has(i) ? memo.get(i) : fail(`memo entry ${i} was never stored`));
  const intOf = (v: bigint): number | bigint =>
    v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  const longLE = (b: Uint8Array): number | bigint => {
    if (b.length === 0) return 0;
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
    return intOf(v);
  };
  const call = (fn: unknown, args: unknown, what: string): unknown => {
    if (!(fn instanceof PyCallable)) fail(`${what} of a non-callable ${describe(fn)}`);
    if (!Array.isArray(args)) fail(`${what} of ${(fn as PyCallable).qualname} with non-tuple arguments`);
    return (fn as PyCallable).call(args as unknown[]);
  };
  const setItems = (dict: unknown, items: unknown[]) => {
    if (!(dict instanceof Map)) fail(`SETITEMS on a ${describe(dict)}, expected a dict`);
    if (items.length % 2) fail('SETITEMS with an odd number of items');
    for (let i = 0; i < items.length; i += 2) (dict as Map<unknown, unknown>).set(items[i], items[i + 1]);
  };
  const appendItems = (list: unknown, items: unknown[]) => {
    if (!Array.isArray(list)) fail(`APPENDS on a ${describe(list)}, expected a list`);
    (list as unknown[]).push(...items);
  };

  for (;;) {
    const opAt = pos;
    const op = u8();
    switch (op) {
      case 0x80: {
        const proto = u8();
        if (proto > 5) fail(`unsupported pickle protocol ${proto}`, opAt);
        break;
      } // PROTO
      case 0x95:
        need(8);
        break; // FRAME: framing is only a read-ahead hint
      case 0x2e:
        return { value: pop(), end: pos }; // STOP
      case 0x28:
        metastack.push(stack);
        stack = [];
        break; // MARK
      case 0x30:
        pop();
        break; // POP
      case 0x31:
        popMark();
        break; // POP_MARK
      case 0x32:
        stack.push(top());
        break; // DUP
      case 0x4e:
        stack.push(null);
        break; // NONE
      case 0x88:
        stack.push(true);
        break; // NEWTRUE
      case 0x89:
        stack.push(false);
        break; // NEWFALSE
      case 0x4a:
        stack.push(dv.getInt32(need(4), true));
        break; // BININT
      case 0x4b:
        stack.push(u8());
        break; // BININT1
      case 0x4d:
        stack.push(u16());
        break; // BININT2
      case 0x8a:
        stack.push(longLE(take(u8())));
        break; // LONG1
      case 0x8b:
        stack.push(longLE(take(u32())));
        break; // LONG4
      case 0x49: {
        // INT (text; I01/I00 are booleans)
        const s = line();
        if (s === '01' || s === '00') stack.push(s === '01');
        else if (/^[-+]?\d+$/.test(s)) stack.push(intOf(BigInt(s)));
        else fail(`bad INT literal ${JSON.stringify(s)}`, opAt);
        break;
      }
      case 0x4c: {
        // LONG (text)
        const s = line().replace(/L$/, '');
        if (!/^[-+]?\d+$/.test(s)) fail(`bad LONG literal ${JSON.stringify(s)}`, opAt);
        stack.push(intOf(BigInt(s)));
        break;
      }
      case 0x47:
        stack.push(dv.getFloat64(need(8), false));
        break; // BINFLOAT (big-endian)
      case 0x46: {
        const s = line();
        const v = Number(s);
        if (Number.isNaN(v) && s.trim().toLowerCase() !== 'nan') fail(`bad FLOAT literal ${JSON.stringify(s)}`, opAt);
        stack.push(v);
        break;
      }
      case 0x58:
        stack.push(text(u32()));
        break; // BINUNICODE
      case 0x8c:
        stack.push(text(u8()));
        break; // SHORT_BINUNICODE
      case 0x8d:
        stack.push(text(u64()));
        break; // BINUNICODE8
      case 0x54:
        stack.push(new TextDecoder('latin1').decode(take(u32())));
        break; // BINSTRING (py2 str)
      case 0x55:
        stack.push(new TextDecoder('latin1').decode(take(u8())));
        break; // SHORT_BINSTRING
      case 0x42:
        stack.push(take(u32()).slice());
        break; // BINBYTES
      case 0x43:
        stack.push(take(u8()).slice());
        break; // SHORT_BINBYTES
      case 0x8e:
      case 0x96:
        stack.push(take(u64()).slice());
        break; // BINBYTES8, BYTEARRAY8
      case 0x29:
        stack.push([]);
        break; // EMPTY_TUPLE
      case 0x85:
        stack.push([pop()]);
        break; // TUPLE1
      case 0x86: {
        const b = pop();
        const a = pop();
        stack.push([a, b]);
        break;
      } // TUPLE2
      case 0x87: {
        const c = pop();
        const b = pop();
        const a = pop();
        stack.push([a, b, c]);
        break;
      } // TUPLE3
      case 0x74:
      case 0x6c: {
        const items = popMark();
        stack.push(items);
        break;
      } // TUPLE, LIST
      case 0x5d:
        stack.push([]);
        break; // EMPTY_LIST
      case 0x61: {
        const v = pop();
        appendItems(top(), [v]);
        break;
      } // APPEND
      case 0x65: {
        const items = popMark();
        appendItems(top(), items);
        break;
      } // APPENDS
      case 0x7d:
        stack.push(new Map());
        break; // EMPTY_DICT
      case 0x64: {
        const items = popMark();
        const d = new Map();
        setItems(d, items);
        stack.push(d);
        break;
      } // DICT
      case 0x73: {
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      } // SETITEM
      case 0x75: {
        const items = popMark();
        setItems(top(), items);
        break;
      } // SETITEMS
      case 0x8f:
        stack.push(new Set());
        break; // EMPTY_SET
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const s = top();
        if (!(s instanceof Set)) fail(`ADDITEMS on a ${describe(s)}, expected a set`, opAt);
        for (const it of items) (s as Set<unknown>).add(it);
        break;
      }
      case 0x91:
        stack.push(new Set(popMark()));
        break; // FROZENSET
      case 0x70: {
        const i = Number(line());
        if (!Number.isInteger(i)) fail('bad PUT index', opAt);
        memo.set(i, top());
        break;
      } // PUT
      case 0x71:
        memo.set(u8(), top());
        break; // BINPUT
      case 0x72:
        memo.set(u32(), top());
        break; // LONG_BINPUT
      case 0x94:
        memo.set(memo.size, top());
        break; // MEMOIZE
      case 0x67: {
        const i = Number(line());
        stack.push(memoGet(i));
        break;
      } // GET
      case 0x68:
        stack.push(memoGet(u8()));
        break; // BINGET
      case 0x6a:
        stack.push(memoGet(u32()));
        break; // LONG_BINGET
      case 0x63: {
        const mod = line();
        const name = line();
        stack.push(opts.findClass(mod, name));
        break;
      } // GLOBAL
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const mod = pop();
        if (typeof mod !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings', opAt);
        stack.push(opts.findClass(mod as string, name as string));
        break;
      }
      case 0x52: {
        const args = pop();
        const fn = pop();
        stack.push(call(fn, args, 'REDUCE'));
        break;
      } // REDUCE
      case 0x81: {
        const args = pop();
        const cls = pop();
        stack.push(call(cls, args, 'NEWOBJ'));
        break;
      } // NEWOBJ
      case 0x62: {
        // BUILD
        const state = pop();
        const obj = pop();
        if (!opts.build) fail(`BUILD of a ${describe(obj)} is not allowed`, opAt);
        stack.push(opts.build!(obj, state));
        break;
      }
      case 0x51:
        stack.push(opts.persistentLoad(pop()));
        break; // BINPERSID
      case 0x50:
        stack.push(opts.persistentLoad(line()));
        break; // PERSID
      default:
        fail(
          `unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')} (${JSON.stringify(String.fromCharCode(op))}); only plain data, tensors and storages can be loaded`,
          opAt,
        );
    }
  }
}

/** A short description of a pickled value for error messages. */
export function describe(v: unknown): string {
  if (v === null) return 'None';
  if (v instanceof PyCallable) return v.qualname;
  if (v instanceof Map) return 'dict';
  if (Array.isArray(v)) return 'tuple/list';
  if (v instanceof Uint8Array) return 'bytes';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}
