/**
 * PyTorch storages and strided tensor views: the storage-class <-> dtype table and the gather that
 * turns (storage, offset, size, stride) into a contiguous RawTensor.
 */
import { Bert4tfjsError } from '../../errors.ts';
import { DTYPE_BYTES, numElements, type DType, type RawTensor } from '../raw-tensor.ts';

/** `torch.<Name>Storage` classes the reader accepts, by dtype. */
export const STORAGE_DTYPES: Readonly<Record<string, DType>> = {
  FloatStorage: 'F32',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  DoubleStorage: 'F64',
  LongStorage: 'I64',
  IntStorage: 'I32',
  ShortStorage: 'I16',
  CharStorage: 'I8',
  ByteStorage: 'U8',
  BoolStorage: 'BOOL',
};

/** The storage class name torch uses for a dtype (inverse of {@link STORAGE_DTYPES}). */
export function storageClassFor(dtype: DType): string {
  for (const [cls, d] of Object.entries(STORAGE_DTYPES)) if (d === dtype) return cls;
  throw new Bert4tfjsError(`no torch storage class for dtype ${dtype}`, 'bad-argument');
}

/** A storage class as it appears in a pickle (the result of GLOBAL torch.FloatStorage). */
export class StorageType {
  constructor(
    readonly className: string,
    readonly dtype: DType,
  ) {}
}

/** A storage referenced from the pickle; its bytes are fetched by key from the container. */
export class TorchStorage {
  constructor(
    readonly dtype: DType,
    readonly key: string,
    /** Element count declared in the pickle. */
    readonly numel: number,
    /** Element offset into the root storage (legacy-format storage views), 0 otherwise. */
    readonly baseOffset = 0,
  ) {}
}

/** A tensor rebuilt from the pickle: a strided view into a storage, gathered on demand. */
export class TorchTensor {
  constructor(
    readonly storage: TorchStorage,
    readonly offset: number,
    readonly size: number[],
    readonly stride: number[],
  ) {}
}

/** Row-major strides of a shape. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    out[i] = s;
    s *= shape[i];
  }
  return out;
}

/**
 * Copies the elements of a strided view out of `bytes` (the storage's raw bytes) into a contiguous
 * RawTensor. `where` names the file and tensor for errors.
 */
export function gatherStrided(
  bytes: Uint8Array,
  dtype: DType,
  offset: number,
  size: readonly number[],
  stride: readonly number[],
  where: string,
): RawTensor {
  const es = DTYPE_BYTES[dtype];
  const n = numElements(size);
  if (size.length !== stride.length) {
    throw new Bert4tfjsError(
      `${where}: size ${JSON.stringify(size)} and stride ${JSON.stringify(stride)} differ in rank`,
      'bad-file',
    );
  }
  if (![offset, ...size, ...stride].every((v) => Number.isSafeInteger(v) && v >= 0)) {
    throw new Bert4tfjsError(
      `${where}: offset/size/stride must be non-negative integers, got ${offset} ${JSON.stringify(size)} ${JSON.stringify(stride)}`,
      'bad-file',
    );
  }
  if (n === 0) return { dtype, shape: [...size], data: new Uint8Array(0) };
  let last = offset;
  for (let d = 0; d < size.length; d++) last += (size[d] - 1) * stride[d];
  const available = Math.floor(bytes.byteLength / es);
  if (last >= available) {
    throw new Bert4tfjsError(
      `${where}: view (offset ${offset}, size ${JSON.stringify(size)}, stride ${JSON.stringify(stride)}) reaches element ${last} but the storage holds ${available} ${dtype} elements`,
      'bad-file',
    );
  }
  const contiguous = contiguousStrides(size).every((s, d) => size[d] === 1 || s === stride[d]);
  if (contiguous) {
    return { dtype, shape: [...size], data: bytes.slice(offset * es, (offset + n) * es) };
  }
  const out = new Uint8Array(n * es);
  const rank = size.length;
  // Walk the index like an odometer; each step copies one element's bytes.
  const idx = new Array<number>(rank).fill(0);
  let src = offset;
  for (let i = 0; i < n; i++) {
    out.set(bytes.subarray(src * es, src * es + es), i * es);
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      src += stride[d];
      if (idx[d] < size[d]) break;
      src -= stride[d] * size[d];
      idx[d] = 0;
    }
  }
  return { dtype, shape: [...size], data: out };
}
