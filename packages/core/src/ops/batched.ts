/**
 * Batched matrix products (attention's q·kᵀ and p·v) that run fast on the wasm backend at inference.
 * tfjs-backend-wasm sends a BatchMatMul whose batch is > 1 to a naive single-threaded loop (~1-2 GFLOP/s),
 * while a 2-D product goes to XNNPACK (SIMD, on every thread). With no gradient being recorded, the batch
 * is split into 2-D products (one read of each operand, then sub-array copies: tf.slice/split would copy
 * the whole input once per slice on wasm) and the results stacked. Under a gradient tape, or on any other
 * backend, it is the plain {@link matMul}: same values, same gradients.
 */
import * as tf from '@tensorflow/tfjs';
import { matMul, swapLastAxes } from './matmul.ts';

/**
 * Multiply-adds per 2-D product below which the naive batched kernel wins: each product pays for two
 * tensor uploads, an XNNPACK operator and a thread-pool dispatch (~0.1 ms on one thread, far more when
 * the pool's threads compete with other processes). BERT at L = 128 (128 x 64 x 128) is above it; short
 * sentences (L <= 90) stay on the batched kernel. Measured on the 2-vCPU reference machine (bench log).
 */
const MIN_MACS_PER_PRODUCT = 2 ** 19;

/** Whether `a @ b` (b already [.., K, N] or, with `transposeB`, [.., N, K]) should take the per-slice path. */
function perSlice(a: tf.Tensor, b: tf.Tensor, transposeB: boolean): boolean {
  if (tf.getBackend() !== 'wasm' || tf.engine().isTapeOn()) return false;
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.rank < 3 || a.rank !== b.rank) return false;
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  // Broadcast batches are left to tfjs; a batch of one already reaches XNNPACK.
  if (!batchA.every((d, i) => d === batchB[i]) || batchA.reduce((p, d) => p * d, 1) < 2) return false;
  const [m, k] = a.shape.slice(-2) as number[];
  const n = b.shape[b.rank - (transposeB ? 2 : 1)] as number;
  return m * k * n >= MIN_MACS_PER_PRODUCT;
}

/** The [rows, cols] matrices of `x` (rank >= 3, contiguous trailing matrices), as new 2-D tensors. */
function matrices(x: tf.Tensor, rows: number, cols: number): tf.Tensor2D[] {
  const data = x.dataSync() as Float32Array;
  const size = rows * cols;
  const out: tf.Tensor2D[] = [];
  for (let off = 0; off < data.length; off += size)
    out.push(tf.tensor2d(data.subarray(off, off + size), [rows, cols], 'float32'));
  return out;
}

/**
 * `a @ b` (or `a @ bᵀ` with `transposeB`) over the last two axes of operands with equal leading batch
 * dimensions: `[..., M, K] @ [..., K, N] -> [..., M, N]`. Differentiable (through {@link matMul}).
 */
export function batchMatMul(a: tf.Tensor, b: tf.Tensor, transposeB = false): tf.Tensor {
  if (!perSlice(a, b, transposeB)) return matMul(a, b, false, transposeB);
  return tf.tidy(() => {
    const bx = transposeB ? swapLastAxes(b) : b;
    const [m, k] = a.shape.slice(-2) as number[];
    const n = bx.shape[bx.rank - 1] as number;
    const as = matrices(a, m, k);
    const bs = matrices(bx, k, n);
    const products = as.map((ai, i) => tf.matMul(ai, bs[i]));
    return tf.reshape(tf.stack(products), [...a.shape.slice(0, -2), m, n]);
  });
}
