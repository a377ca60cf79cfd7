/**
 * Transformer-XL's position machinery: sinusoidal embeddings of the relative distances klen-1 .. 0
 * (optionally clamped), the "relative shift" that turns per-distance scores into per-key scores, and
 * the causal mask offset by the memory length (with the `same_length` variant).
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../errors.ts';
import { asList, registerLayer, type Kwargs, type LayerArgs, type LayerConfig, type Shape } from './base.ts';

/**
 * Sinusoids of the distances `klen-1, ..., 0` as `[klen, dim]`: `[sin(p·f), cos(p·f)]` with
 * `f_k = 1 / 10000^(2k/dim)`. Distances above `clampLen` (when > 0) are clamped to it.
 */
export function xlSinusoids(klen: number, dim: number, clampLen = -1): tf.Tensor2D {
  return tf.tidy(() => {
    const half = dim / 2;
    const invFreq = new Float32Array(half);
    for (let k = 0; k < half; k++) invFreq[k] = 1 / 10000 ** ((2 * k) / dim);
    let pos = tf.range(klen - 1, -1, -1, 'float32');
    if (clampLen > 0) pos = tf.minimum(pos, clampLen);
    const angles = tf.mul(tf.reshape(pos, [klen, 1]), tf.tensor2d(invFreq, [1, half]));
    return tf.concat([tf.sin(angles), tf.cos(angles)], 1) as tf.Tensor2D;
  });
}

/**
 * The relative shift. `x` `[..., Lq, Lk]` holds, for query i, a score per distance index d where the
 * distance is `Lk - 1 - d`; the result holds, at key j, the score for distance `i + (Lk - Lq) - j`.
 * Entries of future keys (j > i + Lk - Lq) are left-over values and must be masked. Pad-reshape-slice
 * (as in the reference implementation) keeps it to cheap copies with plain gradients.
 */
export function relShift(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const lead = x.shape.slice(0, -2);
    const [lq, lk] = x.shape.slice(-2) as number[];
    const padded = tf.pad(x, [...lead.map((): [number, number] => [0, 0]), [0, 0], [1, 0]]);
    const tall = tf.reshape(padded, [...lead, lk + 1, lq]);
    const dropped = tf.slice(tall, [...lead.map(() => 0), 1, 0], [...lead, lk, lq]);
    return tf.reshape(dropped, [...lead, lq, lk]);
  });
}

/**
 * `[Lq, Lk]` with 1 where query i (stream position mlen + i, mlen = Lk - Lq) may see key j: every key up
 * to itself, memory included. With `sameLength`, keys j <= i - shift are hidden too (shift = Lq -
 * (Lk - memLen) when Lk > memLen, else Lq), so every query sees about the same number of keys.
 */
export function xlAttentionMask(lq: number, lk: number, sameLength = false, memLen = 0): tf.Tensor2D {
  const mlen = lk - lq;
  const out = new Float32Array(lq * lk);
  const maskLen = lk - memLen;
  const shift = maskLen > 0 ? lq - maskLen : lq;
  for (let i = 0; i < lq; i++) {
    for (let j = 0; j < lk; j++) {
      const future = j > i + mlen;
      const tooOld = sameLength && j <= i - shift;
      out[i * lk + j] = future || tooOld ? 0 : 1;
    }
  }
  return tf.tensor2d(out, [lq, lk]);
}

/** Options of {@link XlPositionEmbedding}. */
export interface XlPositionEmbeddingArgs extends LayerArgs {
  /** Embedding size (d_model). */
  dim: number;
  /** Largest distance embedded; <= 0 = no clamp (Hugging Face `clamp_len`). */
  clampLen?: number;
  /** Dropout on the embeddings while training. */
  dropout?: number;
}

/**
 * Inputs `[x]` or `[x, mems]` (`[B, L, D]`, `[B, M, D]`) -> the sinusoids of distances `M+L-1 .. 0`
 * as `[1, M+L, dim]`, shared by every layer. No weights.
 */
export class XlPositionEmbedding extends tf.layers.Layer {
  static className = 'bert4tfjs.XlPositionEmbedding';
  readonly dim: number;
  readonly clampLen: number;
  readonly dropout: number;

  constructor(args: XlPositionEmbeddingArgs) {
    super(args);
    if (!Number.isInteger(args.dim) || args.dim < 2 || args.dim % 2 !== 0) {
      throw new Bert4tfjsError(
        `XlPositionEmbedding ${args.name ?? ''}: dim must be an even integer >= 2, got ${args.dim}`,
        'bad-config',
      );
    }
    this.dim = args.dim;
    this.clampLen = args.clampLen ?? -1;
    this.dropout = args.dropout ?? 0;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shapes = Array.isArray(inputShape[0]) ? (inputShape as Shape[]) : [inputShape as Shape];
    const lens = shapes.map((s) => s[1]);
    const klen = lens.every((l) => typeof l === 'number') ? (lens as number[]).reduce((a, b) => a + b, 0) : null;
    return [1, klen, this.dim];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const klen = asList(inputs).reduce((n, t) => n + (t.shape[1] as number), 0);
      let pos: tf.Tensor = tf.expandDims(xlSinusoids(klen, this.dim, this.clampLen), 0);
      if (this.dropout > 0 && kwargs?.training === true) pos = tf.dropout(pos, this.dropout);
      return pos;
    });
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), dim: this.dim, clampLen: this.clampLen, dropout: this.dropout };
  }
}
registerLayer(XlPositionEmbedding);
