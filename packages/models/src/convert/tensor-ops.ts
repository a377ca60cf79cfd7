/**
 * Layout changes on raw tensor bytes (any dtype, no tfjs): 2-D transpose, taking and stacking rows,
 * float casts and identity matrices. Conversion moves bytes; it never needs a backend.
 */
import {
  Bert4tfjsError,
  DTYPE_BYTES,
  float32ToRaw,
  numElements,
  rawToFloat32,
  type DType,
  type RawTensor,
} from '@bert4tfjs/core';

type Elements = Uint8Array | Uint16Array | Uint32Array | BigUint64Array;

/** A typed view of `data` whose element is one tensor element's bits (copied when misaligned). */
function elements(data: Uint8Array, size: number): Elements {
  const aligned = data.byteOffset % size === 0 ? data : data.slice();
  const n = aligned.byteLength / size;
  switch (size) {
    case 1:
      return aligned;
    case 2:
      return new Uint16Array(aligned.buffer, aligned.byteOffset, n);
    case 4:
      return new Uint32Array(aligned.buffer, aligned.byteOffset, n);
    default:
      return new BigUint64Array(aligned.buffer, aligned.byteOffset, n);
  }
}

/** Transposes a 2-D tensor bit for bit ([r, c] -> [c, r]). */
export function transpose2d(t: RawTensor, name: string): RawTensor {
  if (t.shape.length !== 2) {
    throw new Bert4tfjsError(
      `${name}: the mapping transposes it, so it must be 2-D, but it has shape [${t.shape}]`,
      'bad-tensor',
    );
  }
  const [r, c] = t.shape;
  const size = DTYPE_BYTES[t.dtype];
  const src = elements(t.data, size);
  const out = new Uint8Array(t.data.byteLength);
  const dst = elements(out, size);
  // Row-blocked so both reads and writes stay in cache on large embedding-sized kernels.
  const B = 64;
  for (let i0 = 0; i0 < r; i0 += B) {
    const i1 = Math.min(r, i0 + B);
    for (let j0 = 0; j0 < c; j0 += B) {
      const j1 = Math.min(c, j0 + B);
      for (let i = i0; i < i1; i++) for (let j = j0; j < j1; j++) dst[j * r + i] = src[i * c + j];
    }
  }
  return { dtype: t.dtype, shape: [c, r], data: out };
}

/** Row `index` of a tensor along its first axis (a view, no copy). */
export function takeRow(t: RawTensor, index: number, count: number, name: string): RawTensor {
  if (t.shape.length < 1 || t.shape[0] !== count) {
    throw new Bert4tfjsError(
      `${name}: expected ${count} stacked rows (one per layer), found shape [${t.shape}]`,
      'bad-tensor',
    );
  }
  const rowBytes = t.data.byteLength / count;
  return { dtype: t.dtype, shape: t.shape.slice(1), data: t.data.subarray(index * rowBytes, (index + 1) * rowBytes) };
}

/** Stacks equally shaped tensors along a new first axis (inverse of {@link takeRow}). */
export function stackRows(rows: RawTensor[], name: string): RawTensor {
  const first = rows[0];
  for (const r of rows) {
    if (r.dtype !== first.dtype || r.shape.join() !== first.shape.join()) {
      throw new Bert4tfjsError(
        `${name}: cannot stack per-layer tensors of different dtype/shape (${first.dtype}[${first.shape}] vs ${r.dtype}[${r.shape}])`,
        'bad-tensor',
      );
    }
  }
  const data = new Uint8Array(first.data.byteLength * rows.length);
  rows.forEach((r, i) => data.set(r.data, i * first.data.byteLength));
  return { dtype: first.dtype, shape: [rows.length, ...first.shape], data };
}

/** Whether a dtype is a floating-point type (the only ones `--dtype` changes). */
export function isFloat(dtype: DType): boolean {
  return dtype === 'F32' || dtype === 'F16' || dtype === 'BF16' || dtype === 'F64';
}

/** Casts a float tensor to `dtype` (integers and same-dtype tensors are returned unchanged). */
export function castFloat(t: RawTensor, dtype: 'F32' | 'F16' | 'BF16', name: string): RawTensor {
  if (!isFloat(t.dtype) || t.dtype === dtype) return t;
  return float32ToRaw(rawToFloat32(t, name), t.shape, dtype);
}

/** An identity matrix [rows, cols] (rows == cols) in `dtype`. */
export function identityMatrix(shape: number[], dtype: 'F32' | 'F16' | 'BF16'): RawTensor {
  const values = new Float32Array(numElements(shape));
  for (let i = 0; i < Math.min(shape[0], shape[1]); i++) values[i * shape[1] + i] = 1;
  return float32ToRaw(values, shape, dtype);
}
