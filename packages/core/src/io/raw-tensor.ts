/**
 * A tensor as it sits in a checkpoint file: dtype, shape and little-endian row-major bytes. Every reader
 * (safetensors, TF checkpoint, PyTorch .bin) produces these and every writer consumes them, so formats
 * convert into each other without tfjs in the middle.
 */
import { Bert4tfjsError } from '../errors.ts';

/** Element types, named as in safetensors. */
export type DType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

/** Bytes per element of each dtype. */
export const DTYPE_BYTES: Record<DType, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

/** One tensor: raw little-endian bytes plus dtype and shape. */
export interface RawTensor {
  dtype: DType;
  shape: number[];
  data: Uint8Array;
}

/** Tensors by name, in a stable order. */
export type NamedTensors = Map<string, RawTensor>;

/** Number of elements of a shape (1 for a scalar). */
export function numElements(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Half-precision bits to a float. */
export function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** A float to half-precision bits, rounding to nearest even. */
export function f32ToF16(value: number): number {
  f32Scratch[0] = value;
  const x = u32Scratch[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >> shift;
    const rest = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++;
  return sign | half;
}

/** bfloat16 bits to a float. */
export function bf16ToF32(b: number): number {
  u32Scratch[0] = b << 16;
  return f32Scratch[0];
}

/** A float to bfloat16 bits, rounding to nearest even. */
export function f32ToBf16(value: number): number {
  f32Scratch[0] = value;
  const x = u32Scratch[0];
  if ((x & 0x7f800000) === 0x7f800000 && x & 0x7fffff) return (x >>> 16) | 0x40;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

function view(t: RawTensor): DataView {
  return new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

/** Decodes any numeric RawTensor to float32 values (int64 via Number: exact below 2^53). */
export function rawToFloat32(t: RawTensor, name = 'tensor'): Float32Array {
  const n = numElements(t.shape);
  const expected = n * DTYPE_BYTES[t.dtype];
  if (t.data.byteLength !== expected) {
    throw new Bert4tfjsError(
      `${name}: ${t.dtype}${JSON.stringify(t.shape)} needs ${expected} bytes, has ${t.data.byteLength}`,
      'bad-tensor',
    );
  }
  const out = new Float32Array(n);
  const dv = view(t);
  switch (t.dtype) {
    case 'F32':
      if (t.data.byteOffset % 4 === 0) out.set(new Float32Array(t.data.buffer, t.data.byteOffset, n));
      else for (let i = 0; i < n; i++) out[i] = dv.getFloat32(i * 4, true);
      break;
    case 'F64':
      for (let i = 0; i < n; i++) out[i] = dv.getFloat64(i * 8, true);
      break;
    case 'F16':
      for (let i = 0; i < n; i++) out[i] = f16ToF32(dv.getUint16(i * 2, true));
      break;
    case 'BF16':
      for (let i = 0; i < n; i++) out[i] = bf16ToF32(dv.getUint16(i * 2, true));
      break;
    case 'I64':
      for (let i = 0; i < n; i++) out[i] = Number(dv.getBigInt64(i * 8, true));
      break;
    case 'I32':
      for (let i = 0; i < n; i++) out[i] = dv.getInt32(i * 4, true);
      break;
    case 'I16':
      for (let i = 0; i < n; i++) out[i] = dv.getInt16(i * 2, true);
      break;
    case 'I8':
      for (let i = 0; i < n; i++) out[i] = dv.getInt8(i);
      break;
    case 'U8':
    case 'BOOL':
      for (let i = 0; i < n; i++) out[i] = t.data[i];
      break;
  }
  return out;
}

/** Decodes an integer RawTensor (I64/I32/I16/I8/U8/BOOL) to int32 values; refuses values out of int32 range. */
export function rawToInt32(t: RawTensor, name = 'tensor'): Int32Array {
  if (t.dtype.startsWith('F') || t.dtype === 'BF16') {
    throw new Bert4tfjsError(`${name}: expected an integer tensor, got ${t.dtype}`, 'bad-tensor');
  }
  const n = numElements(t.shape);
  if (t.data.byteLength !== n * DTYPE_BYTES[t.dtype]) {
    throw new Bert4tfjsError(
      `${name}: ${t.dtype}${JSON.stringify(t.shape)} needs ${n * DTYPE_BYTES[t.dtype]} bytes, has ${t.data.byteLength}`,
      'bad-tensor',
    );
  }
  const out = new Int32Array(n);
  const dv = view(t);
  for (let i = 0; i < n; i++) {
    let v: number | bigint;
    switch (t.dtype) {
      case 'I64':
        v = dv.getBigInt64(i * 8, true);
        break;
      case 'I32':
        v = dv.getInt32(i * 4, true);
        break;
      case 'I16':
        v = dv.getInt16(i * 2, true);
        break;
      case 'I8':
        v = dv.getInt8(i);
        break;
      default:
        v = t.data[i];
    }
    if (v > 0x7fffffff || v < -0x80000000) {
      throw new Bert4tfjsError(`${name}: value ${v} at element ${i} is out of int32 range`, 'bad-tensor');
    }
    out[i] = Number(v);
  }
  return out;
}

/** Encodes float values as a RawTensor of the given float dtype. */
export function float32ToRaw(values: Float32Array, shape: number[], dtype: 'F32' | 'F16' | 'BF16' = 'F32'): RawTensor {
  const n = values.length;
  if (n !== numElements(shape)) {
    throw new Bert4tfjsError(`float32ToRaw: ${n} values do not fill shape ${JSON.stringify(shape)}`, 'bad-tensor');
  }
  if (dtype === 'F32') {
    const copy = new Float32Array(values);
    return { dtype, shape: [...shape], data: new Uint8Array(copy.buffer) };
  }
  const data = new Uint8Array(n * 2);
  const dv = new DataView(data.buffer);
  const enc = dtype === 'F16' ? f32ToF16 : f32ToBf16;
  for (let i = 0; i < n; i++) dv.setUint16(i * 2, enc(values[i]), true);
  return { dtype, shape: [...shape], data };
}

/** Encodes integer values as an I32 or I64 RawTensor. */
export function intToRaw(values: ArrayLike<number>, shape: number[], dtype: 'I32' | 'I64' = 'I64'): RawTensor {
  const n = values.length;
  if (n !== numElements(shape)) {
    throw new Bert4tfjsError(`intToRaw: ${n} values do not fill shape ${JSON.stringify(shape)}`, 'bad-tensor');
  }
  const data = new Uint8Array(n * DTYPE_BYTES[dtype]);
  const dv = new DataView(data.buffer);
  for (let i = 0; i < n; i++) {
    if (dtype === 'I64') dv.setBigInt64(i * 8, BigInt(values[i]), true);
    else dv.setInt32(i * 4, values[i], true);
  }
  return { dtype, shape: [...shape], data };
}
