/**
 * A BERT encoder written straight in tfjs ops, the way one would before tuning for wasm, with switches
 * for each change our layers make. The ablation bench runs it on the same weights as the library model
 * to show what each change gives; it is a measuring stick, not part of the library.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { batchMatMul, rawToFloat32, readSafetensors } from '@bert4tfjs/core';

/** Which of the wasm-oriented changes are on. */
export interface PlainVariant {
  /** Linear layers as `tf.matMul(x, W, false, true)` on PyTorch-layout `[out, in]` weights (else `[in, out]` copies). */
  transposeFlag: boolean;
  /** `tf.fused.matMul` with the bias (one kernel) instead of matMul then add. */
  fusedBias: boolean;
  /** Attention products as 2-D products (ops/batched.ts) instead of one 4-D tf.matMul. */
  slicedAttention: boolean;
  /** Scale q (L x d values) instead of the scores (L x L). */
  scaleQuery?: boolean;
  /** LayerNorm as mean, centred square and rsqrt ops instead of tf.moments. */
  plainLayerNorm?: boolean;
  /** Embedding lookups with tf.gatherND (tf.gather's wasm kernel copies element by element). */
  gatherNd?: boolean;
}

/** Hugging Face BERT shape knobs the forward needs. */
export interface PlainBertShape {
  layers: number;
  hidden: number;
  heads: number;
  eps: number;
}

/** The weights by Hugging Face name (PyTorch layout), plus `[in, out]` copies of the linear weights. */
export class PlainBertWeights {
  readonly #byName = new Map<string, tf.Tensor>();
  readonly #transposed = new Map<string, tf.Tensor>();

  /** Takes ownership of `tensors` (disposed by {@link dispose}). */
  constructor(tensors: Map<string, tf.Tensor>) {
    for (const [name, t] of tensors) {
      this.#byName.set(name, t);
      if (t.rank === 2 && name.endsWith('.weight') && !name.includes('embeddings'))
        this.#transposed.set(name, tf.transpose(t));
    }
  }

  /** The tensor `name`; a missing one is an error naming it. */
  get(name: string): tf.Tensor {
    const t = this.#byName.get(name);
    if (!t) throw new Error(`plain BERT: no weight '${name}'`);
    return t;
  }

  /** The `[in, out]` copy of linear weight `name`. */
  inOut(name: string): tf.Tensor {
    const t = this.#transposed.get(name);
    if (!t) throw new Error(`plain BERT: no linear weight '${name}'`);
    return t;
  }

  dispose(): void {
    for (const t of [...this.#byName.values(), ...this.#transposed.values()]) t.dispose();
  }
}

/** The float tensors of `modelDir/model.safetensors` as plain-forward weights. */
export function loadPlainBertWeights(modelDir: string): PlainBertWeights {
  const tensors = new Map<string, tf.Tensor>();
  for (const [name, raw] of readSafetensors(join(modelDir, 'model.safetensors'))) {
    if (raw.dtype === 'F32') tensors.set(name, tf.tensor(rawToFloat32(raw, name), [...raw.shape], 'float32'));
  }
  return new PlainBertWeights(tensors);
}

/** What ENGINE-NOTES measured as the hand-written best: 2 threads and explicit transposes, nothing else. */
export const HANDWRITTEN_BEST: PlainVariant = { transposeFlag: false, fusedBias: false, slicedAttention: false };

function linear(w: PlainBertWeights, v: PlainVariant, x2d: tf.Tensor2D, prefix: string): tf.Tensor2D {
  const bias = w.get(`${prefix}.bias`);
  if (v.transposeFlag) {
    const weight = w.get(`${prefix}.weight`) as tf.Tensor2D;
    const y = v.fusedBias
      ? tf.fused.matMul({ a: x2d, b: weight, transposeB: true, bias })
      : tf.add(tf.matMul(x2d, weight, false, true), bias);
    return y as tf.Tensor2D;
  }
  const weight = w.inOut(`${prefix}.weight`) as tf.Tensor2D;
  const y = v.fusedBias ? tf.fused.matMul({ a: x2d, b: weight, bias }) : tf.add(tf.matMul(x2d, weight), bias);
  return y as tf.Tensor2D;
}

function layerNorm(w: PlainBertWeights, v: PlainVariant, x: tf.Tensor, prefix: string, eps: number): tf.Tensor {
  let normed: tf.Tensor;
  if (v.plainLayerNorm) {
    const centred = tf.sub(x, tf.mean(x, -1, true));
    normed = tf.mul(centred, tf.rsqrt(tf.add(tf.mean(tf.square(centred), -1, true), eps)));
  } else {
    const { mean, variance } = tf.moments(x, -1, true);
    normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
  }
  return tf.add(tf.mul(normed, w.get(`${prefix}.weight`)), w.get(`${prefix}.bias`));
}

function gelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
}

/** last_hidden_state [B, L, hidden] of BERT on `ids` (all tokens attended, segment 0). */
export function plainBertForward(
  w: PlainBertWeights,
  shape: PlainBertShape,
  v: PlainVariant,
  ids: tf.Tensor2D,
): tf.Tensor {
  return tf.tidy(() => {
    const [b, l] = ids.shape;
    const { hidden, heads } = shape;
    const d = hidden / heads;
    const e = 'bert.embeddings';
    const lookup = (table: tf.Tensor, at: tf.Tensor2D) =>
      v.gatherNd ? tf.gatherND(table, tf.expandDims(at, -1)) : tf.gather(table, at);
    const emb = tf.add(
      tf.add(
        lookup(w.get(`${e}.word_embeddings.weight`), ids),
        lookup(w.get(`${e}.token_type_embeddings.weight`), tf.zerosLike(ids)),
      ),
      tf.slice(w.get(`${e}.position_embeddings.weight`), [0, 0], [l, hidden]),
    );
    let x = layerNorm(w, v, emb, `${e}.LayerNorm`, shape.eps);
    // The additive padding mask as a model would build it from attention_mask (all ones here).
    const maskBias = tf.reshape(tf.mul(tf.sub(1, tf.onesLike(ids).toFloat()), -1e9), [b, 1, 1, l]);
    const splitHeads = (t: tf.Tensor2D) => tf.transpose(tf.reshape(t, [b, l, heads, d]), [0, 2, 1, 3]);
    for (let i = 0; i < shape.layers; i++) {
      const p = `bert.encoder.layer.${i}`;
      const x2d = tf.reshape(x, [b * l, hidden]) as tf.Tensor2D;
      const q = splitHeads(linear(w, v, x2d, `${p}.attention.self.query`));
      const k = splitHeads(linear(w, v, x2d, `${p}.attention.self.key`));
      const val = splitHeads(linear(w, v, x2d, `${p}.attention.self.value`));
      const scale = 1 / Math.sqrt(d);
      const qs = v.scaleQuery ? tf.mul(q, scale) : q;
      const raw = v.slicedAttention ? batchMatMul(qs, k, true) : tf.matMul(qs, k, false, true);
      const probs = tf.softmax(tf.add(v.scaleQuery ? raw : tf.mul(raw, scale), maskBias), -1);
      const ctx = v.slicedAttention ? batchMatMul(probs, val) : tf.matMul(probs, val);
      const merged = tf.reshape(tf.transpose(ctx, [0, 2, 1, 3]), [b * l, hidden]) as tf.Tensor2D;
      const attn = linear(w, v, merged, `${p}.attention.output.dense`);
      const h = layerNorm(w, v, tf.add(x2d, attn), `${p}.attention.output.LayerNorm`, shape.eps) as tf.Tensor2D;
      const inner = gelu(linear(w, v, h, `${p}.intermediate.dense`)) as tf.Tensor2D;
      const out = layerNorm(
        w,
        v,
        tf.add(h, linear(w, v, inner, `${p}.output.dense`)),
        `${p}.output.LayerNorm`,
        shape.eps,
      );
      x = tf.reshape(out, [b, l, hidden]);
    }
    return x;
  });
}
