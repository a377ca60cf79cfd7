/**
 * The random projection of FAVOR+: m rows of dimension d, drawn as blocks of d mutually orthogonal
 * Gaussian directions (orthogonal random features lower the estimator's variance), each row then given the
 * length of an independent Gaussian d-vector so rows keep the marginal law of plain Gaussian features.
 * Generated in float64 JavaScript from a seeded PRNG, so the same seed gives the same matrix on every
 * backend; it is a buffer, never a trained weight.
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../../errors.ts';
import { mulberry32 } from '../../utils/random.ts';

/** A 32-bit integer hash of any strings/numbers (FNV-1a), to derive independent seeds per layer and draw. */
export function mixSeed(...parts: Array<string | number>): number {
  let h = 0x811c9dc5;
  for (const ch of parts.join('\u0000')) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Seeded stream of standard normal float64 samples (mulberry32 uniforms + Box-Muller). */
export function gaussianStream(seed: number): () => number {
  const bits = mulberry32(seed);
  // 32 random bits -> (0, 1]; never 0, so log() below is finite.
  const uniform = (): number => (bits() + 1) / 4294967296;
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(uniform()));
    const theta = 2 * Math.PI * uniform();
    spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  };
}

/**
 * d orthonormal rows of length d (row-major), by modified Gram-Schmidt run twice on d Gaussian vectors:
 * the second pass removes the rounding the first leaves, so rows are orthogonal to ~1e-15. The result is
 * the Q of a QR decomposition of a Gaussian matrix, i.e. a Haar-random orthogonal matrix.
 */
export function orthonormalBlock(d: number, normal: () => number): Float64Array {
  const q = new Float64Array(d * d);
  for (let i = 0; i < d * d; i++) q[i] = normal();
  for (let i = 0; i < d; i++) {
    const row = q.subarray(i * d, (i + 1) * d);
    for (let pass = 0; pass < 2; pass++) {
      for (let j = 0; j < i; j++) {
        const prev = q.subarray(j * d, (j + 1) * d);
        let dot = 0;
        for (let t = 0; t < d; t++) dot += row[t] * prev[t];
        for (let t = 0; t < d; t++) row[t] -= dot * prev[t];
      }
    }
    let norm = 0;
    for (let t = 0; t < d; t++) norm += row[t] * row[t];
    norm = Math.sqrt(norm);
    // A Gaussian vector lying in the span of earlier rows has probability 0; redraw rather than divide by ~0.
    if (!(norm > 1e-8)) {
      for (let t = 0; t < d; t++) row[t] = normal();
      i--;
      continue;
    }
    for (let t = 0; t < d; t++) row[t] /= norm;
  }
  return q;
}

/**
 * The FAVOR+ projection [m, d] as row-major float32: ceil(m/d) orthonormal d x d blocks stacked (the last one
 * truncated), row r multiplied by the norm of an independent Gaussian d-vector (a chi_d sample).
 */
export function orthogonalRandomFeatures(m: number, d: number, seed: number): Float32Array {
  if (!Number.isInteger(m) || m < 1)
    throw new Bert4tfjsError(`performer: features must be an integer >= 1, got ${m}`, 'bad-config');
  if (!Number.isInteger(d) || d < 1)
    throw new Bert4tfjsError(`performer: head size must be an integer >= 1, got ${d}`, 'bad-config');
  const normal = gaussianStream(seed);
  const out = new Float32Array(m * d);
  for (let start = 0; start < m; start += d) {
    const block = orthonormalBlock(d, normal);
    const rows = Math.min(d, m - start);
    out.set(block.subarray(0, rows * d), start * d);
  }
  for (let r = 0; r < m; r++) {
    let sq = 0;
    for (let t = 0; t < d; t++) {
      const g = normal();
      sq += g * g;
    }
    const len = Math.sqrt(sq);
    for (let t = 0; t < d; t++) out[r * d + t] *= len;
  }
  return out;
}

/** {@link orthogonalRandomFeatures} as a [m, d] tensor (the caller owns it). */
export function createProjection(m: number, d: number, seed: number): tf.Tensor2D {
  return tf.tensor2d(orthogonalRandomFeatures(m, d, seed), [m, d], 'float32');
}
