/**
 * Rotary position embedding (RoPE) as GlobalPointer uses it: feature pairs (2i, 2i+1) of the vector at
 * position p are rotated by the angle p·θ_i, θ_i = 10000^(−2i/d). Then q_m·k_n depends on n − m only
 * through the rotation, which is what makes span scores position-aware.
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../../errors.ts';

/** The angles p·θ_i for p in [0, length) and i in [0, dim/2), as a [length, dim/2] array (row-major). */
export function ropeAngles(length: number, dim: number): Float32Array {
  if (dim % 2 !== 0) throw new Bert4tfjsError(`RoPE needs an even size, got ${dim}`, 'bad-argument');
  const half = dim / 2;
  const out = new Float32Array(length * half);
  for (let p = 0; p < length; p++) {
    for (let i = 0; i < half; i++) out[p * half + i] = p * 10000 ** ((-2 * i) / dim);
  }
  return out;
}

/** The angle p·θ_i = p / 10000^(2i/d) in double precision. */
export function ropeAngle(p: number, i: number, dim: number): number {
  return p / 10000 ** ((2 * i) / dim);
}

/**
 * Rotates `x` [B, L, ..., d] (positions on axis 1, features last): each pair (x_2i, x_2i+1) becomes
 * (x_2i cos − x_2i+1 sin, x_2i+1 cos + x_2i sin) at angle p·θ_i. Differentiable with basic ops only.
 */
export function applyRope(x: tf.Tensor): tf.Tensor {
  return applyRopeOnAxis(x, 1);
}

/**
 * {@link applyRope} with the positions on `positionAxis` (2 for attention heads [B, H, L, d]); position p
 * is the index along that axis, plus `offset` (a cached prefix's length).
 */
export function applyRopeOnAxis(x: tf.Tensor, positionAxis: number, offset = 0): tf.Tensor {
  return tf.tidy(() => {
    const shape = x.shape as number[];
    if (positionAxis < 0 || positionAxis >= shape.length - 1) {
      throw new Bert4tfjsError(
        `RoPE: position axis ${positionAxis} is not a non-feature axis of [${shape}]`,
        'bad-argument',
      );
    }
    const length = shape[positionAxis];
    const dim = shape[shape.length - 1];
    const half = dim / 2;
    // cos/sin of angles in double precision (as the reference tables are made), rounded once to float32:
    // a float32 angle p·θ is off by up to ~p·6e-8 rad, 3e-5 at p = 500.
    const cosv = new Float32Array(length * half);
    const sinv = new Float32Array(length * half);
    for (let p = 0; p < length; p++) {
      for (let i = 0; i < half; i++) {
        const a = ropeAngle(p + offset, i, dim);
        cosv[p * half + i] = Math.cos(a);
        sinv[p * half + i] = Math.sin(a);
      }
    }
    // Ones everywhere but the position axis and the pair axis, so cos/sin broadcast over the rest.
    const trig = Array<number>(shape.length + 1).fill(1);
    trig[positionAxis] = length;
    trig[shape.length - 1] = half;
    const cos = tf.tensor(cosv, trig);
    const sin = tf.tensor(sinv, trig);
    const pairs = tf.reshape(x, [...shape.slice(0, -1), half, 2]);
    const begin = Array<number>(pairs.rank).fill(0);
    const size = [...pairs.shape.slice(0, -1), 1];
    const even = tf.slice(pairs, begin, size);
    const odd = tf.slice(pairs, [...begin.slice(0, -1), 1], size);
    const rotated = tf.concat(
      [tf.sub(tf.mul(even, cos), tf.mul(odd, sin)), tf.add(tf.mul(odd, cos), tf.mul(even, sin))],
      -1,
    );
    return tf.reshape(rotated, shape);
  });
}
