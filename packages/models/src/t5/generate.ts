/**
 * Generation with a built T5: the encoder runs once per input, then the decoder advances one token at a
 * time with per-layer self-attention key/value caches, while the cross-attention keys/values of the
 * encoder output are projected once. Plugs into `AutoRegressiveDecoder` as its step function (greedy,
 * beam search, sampling, prefix-tree constraints), with a cache reorder for beams.
 */
import * as tf from '@tensorflow/tfjs';
import {
  AutoRegressiveDecoder,
  Bert4tfjsError,
  dense,
  softmaxAttention,
  type ReorderStateFn,
  type StepFn,
  type StepOutput,
} from '@bert4tfjs/core';
import type { TransformerModel } from '../family.ts';
import type { T5Config } from './config.ts';
import { runT5Block, type T5Build, type T5BlockRunner, type T5StackLayers } from './model.ts';
import { findWeight } from '../weights.ts';

/** The decoding cache: row i belongs to live hypothesis i. Every tensor has the hypothesis axis first. */
export interface T5DecoderCache {
  /** Per decoder layer: self-attention keys and values so far, [N, heads, t, dKv]. */
  selfKeys: tf.Tensor4D[];
  selfValues: tf.Tensor4D[];
  /** Per decoder layer: cross-attention keys and values of the hypothesis' input, [N, heads, Le, dKv]. */
  crossKeys: tf.Tensor4D[];
  crossValues: tf.Tensor4D[];
  /** Padding mask of the hypothesis' input, [N, Le]. */
  encoderMask: tf.Tensor2D;
}

/** Encoder inputs, one row per input sequence (padded to one length). */
export interface T5EncoderInputs {
  input_ids: number[][];
  /** 1 = token, 0 = padding; default all ones. */
  attention_mask?: number[][];
}

/** Options of {@link t5Generator}. */
export interface T5GeneratorOptions {
  /** false: recompute the whole decoder every step (slow; a reference for the cached path). Default true. */
  cache?: boolean;
}

/** A step function for `AutoRegressiveDecoder` bound to encoded inputs; dispose it when done. */
export interface T5Generator {
  /** How many inputs were encoded (pass as `numInputs` to the decoder). */
  readonly numInputs: number;
  readonly step: StepFn<T5DecoderCache>;
  readonly reorderState: ReorderStateFn<T5DecoderCache>;
  /** A decoder over this generator: start id `decoder_start_token_id`, end id `eos_token_id`. */
  decoder(options: { maxLength: number; minLength?: number }): AutoRegressiveDecoder<T5DecoderCache>;
  /** Frees the encoder outputs and projected keys/values. */
  dispose(): void;
}

type T5Parts = Pick<T5Build, 'model' | 'config' | 'encoder' | 'decoder' | 'layers'>;

/** The T5 parts of a built model; an error says what was given instead. */
function t5Parts(built: TransformerModel | T5Build): T5Parts {
  const b = built as Partial<T5Build>;
  if (!b.layers || !b.encoder || !b.decoder || !(b.layers as T5Parts['layers']).decoder) {
    const family = (built as Partial<TransformerModel>).family ?? 'unknown';
    throw new Bert4tfjsError(
      `t5Generator: needs a model built as t5 / t5.1.1 / mt5, got a '${family}' model`,
      'bad-argument',
    );
  }
  return b as T5Parts;
}

function checkMatrix(name: string, m: unknown, rows?: number, cols?: number): number[][] {
  if (!Array.isArray(m) || m.length === 0 || m.some((r) => !Array.isArray(r) || r.length === 0)) {
    throw new Bert4tfjsError(`t5Generator: '${name}' must be a non-empty list of non-empty rows`, 'bad-input');
  }
  const width = cols ?? (m[0] as unknown[]).length;
  if (rows !== undefined && m.length !== rows) {
    throw new Bert4tfjsError(`t5Generator: '${name}' has ${m.length} rows, input_ids has ${rows}`, 'bad-input');
  }
  (m as unknown[][]).forEach((r, i) => {
    if (r.length !== width)
      throw new Bert4tfjsError(
        `t5Generator: '${name}' row ${i} has length ${r.length}, expected ${width} (pad every row)`,
        'bad-input',
      );
    r.forEach((v, j) => {
      if (!Number.isInteger(v))
        throw new Bert4tfjsError(
          `t5Generator: '${name}'[${i}][${j}] = ${JSON.stringify(v)} is not an integer`,
          'bad-input',
        );
    });
  });
  return m as number[][];
}

/** [B, L, H*d] -> [B, H, L, d] */
function splitHeads(x: tf.Tensor, heads: number): tf.Tensor4D {
  const [b, l] = x.shape as number[];
  return tf.transpose(tf.reshape(x, [b, l, heads, -1]), [0, 2, 1, 3]) as tf.Tensor4D;
}

/** [B, H, L, d] -> [B, L, H*d] */
function mergeHeads(x: tf.Tensor): tf.Tensor {
  const [b, , l] = x.shape as number[];
  return tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [b, l, -1]);
}

/** Reads one projection kernel of an attention layer. */
function kernel(model: tf.LayersModel, layer: string, p: 'q' | 'k' | 'v' | 'o'): tf.Tensor {
  return findWeight(model, layer, `${p}_kernel`).read();
}

/**
 * Runs the decoder on `ids` [N, n] (the tokens after the cached ones), extending the self-attention
 * caches. Returns next-token logits of the last position [N, V] and the new cache (cross entries and
 * mask are passed through unchanged).
 */
function decodeIncrement(
  parts: T5Parts,
  ids: tf.Tensor2D,
  cache: T5DecoderCache,
): { logits: tf.Tensor2D; cache: T5DecoderCache } {
  const { model, config: c, layers } = parts;
  const dec: T5StackLayers = layers.decoder;
  const past = cache.selfKeys.length ? (cache.selfKeys[0].shape[2] as number) : 0;
  const n = ids.shape[1];
  const bias = dec.positionBias.bias(n, past + n, past);
  let x = layers.tokenEmbedding.apply(ids) as tf.Tensor;
  const next: T5DecoderCache = { ...cache, selfKeys: [], selfValues: [] };
  const attend = (
    h: tf.Tensor,
    layer: string,
    kv: { k: tf.Tensor4D; v: tf.Tensor4D },
    extra: { keyMask: tf.Tensor2D | null; bias: tf.Tensor | null; causal: boolean },
  ): tf.Tensor => {
    const q = splitHeads(dense(h, kernel(model, layer, 'q')), c.numHeads);
    const ctx = softmaxAttention({ q, k: kv.k, v: kv.v, ...extra, scale: 1, dropout: 0, training: false });
    return dense(mergeHeads(ctx), kernel(model, layer, 'o'));
  };
  const cached: T5BlockRunner<tf.Tensor> = {
    // Self-attention over the cached keys plus the new ones (causal among the new ones).
    selfAttention: (h, b, i) => {
      const name = b.selfAttn.name;
      const kNew = splitHeads(dense(h, kernel(model, name, 'k')), c.numHeads);
      const vNew = splitHeads(dense(h, kernel(model, name, 'v')), c.numHeads);
      const k = past ? (tf.concat([cache.selfKeys[i], kNew], 2) as tf.Tensor4D) : kNew;
      const v = past ? (tf.concat([cache.selfValues[i], vNew], 2) as tf.Tensor4D) : vNew;
      next.selfKeys.push(k);
      next.selfValues.push(v);
      return attend(h, name, { k, v }, { keyMask: null, bias, causal: true });
    },
    // Cross-attention on the encoder output's precomputed keys/values.
    crossAttention: (h, b, i) =>
      attend(
        h,
        b.crossAttn!.name,
        { k: cache.crossKeys[i], v: cache.crossValues[i] },
        { keyMask: cache.encoderMask, bias: null, causal: false },
      ),
    residual: (a, h) => tf.add(a, h),
  };
  dec.blocks.forEach((b, i) => {
    x = runT5Block(x, b, i, cached);
  });
  const last = tf.slice(dec.finalNorm.apply(x) as tf.Tensor, [0, n - 1, 0], [-1, 1, -1]);
  const logits = lmLogits(parts, last, c);
  return { logits: tf.reshape(logits, [-1, logits.shape[logits.rank - 1] as number]) as tf.Tensor2D, cache: next };
}

/** The LM head on decoder output: untied Dense, or the tied embedding after the dModel^-0.5 rescale. */
function lmLogits(parts: T5Parts, h: tf.Tensor, c: T5Config): tf.Tensor {
  const { lmHead, tokenEmbedding } = parts.layers;
  return lmHead ? (lmHead.apply(h) as tf.Tensor) : (tokenEmbedding.apply(tf.mul(h, c.dModel ** -0.5)) as tf.Tensor);
}

/** tf.tidy for a step: keeps the returned logits and cache, frees every other tensor made inside. */
function tidyStep(fn: () => StepOutput<T5DecoderCache>): StepOutput<T5DecoderCache> {
  return tf.tidy(fn as unknown as () => tf.TensorContainer) as unknown as StepOutput<T5DecoderCache>;
}

/** Gathers rows `indices` of every tensor of the cache (the hypothesis axis). Does not dispose `state`. */
export const reorderT5Cache: ReorderStateFn<T5DecoderCache> = (state, indices) =>
  tf.tidy(() => {
    const idx = tf.tensor1d(indices, 'int32');
    const g = <T extends tf.Tensor>(t: T): T => tf.gather(t, idx, 0) as T;
    return {
      selfKeys: state.selfKeys.map(g),
      selfValues: state.selfValues.map(g),
      crossKeys: state.crossKeys.map(g),
      crossValues: state.crossValues.map(g),
      encoderMask: g(state.encoderMask),
    };
  });

/**
 * Encodes `inputs` once and returns the step function that decodes them with a T5 / T5.1.1 / mT5
 * model: `const g = t5Generator(built, { input_ids }); const out = await g.decoder({ maxLength: 32 })
 * .beamSearch({ topK: 4, numInputs: g.numInputs }); g.dispose();`
 */
export function t5Generator(
  built: TransformerModel | T5Build,
  inputs: T5EncoderInputs,
  options: T5GeneratorOptions = {},
): T5Generator {
  const parts = t5Parts(built);
  const c = parts.config;
  const ids = checkMatrix('input_ids', inputs?.input_ids);
  ids.forEach((r, i) =>
    r.forEach((v, j) => {
      if (v < 0 || v >= c.vocabSize)
        throw new Bert4tfjsError(
          `t5Generator: input_ids[${i}][${j}] = ${v} is outside the vocabulary [0, ${c.vocabSize})`,
          'bad-input',
        );
    }),
  );
  const maskRows =
    inputs.attention_mask === undefined
      ? ids.map((r) => r.map(() => 1))
      : checkMatrix('attention_mask', inputs.attention_mask, ids.length, ids[0].length);
  const useCache = options.cache ?? true;
  const numInputs = ids.length;

  // Per input: the encoder output and, per decoder layer, its cross-attention keys and values.
  const encoded = tf.tidy(() => {
    const mask = tf.tensor2d(maskRows, undefined, 'float32');
    const hidden = parts.encoder.predict([tf.tensor2d(ids, undefined, 'int32'), mask]) as tf.Tensor;
    const proj = (p: 'k' | 'v'): tf.Tensor4D[] =>
      parts.layers.decoder.blocks.map((b) =>
        splitHeads(dense(hidden, kernel(parts.model, b.crossAttn!.name, p)), c.numHeads),
      );
    return { mask, hidden, keys: proj('k'), values: proj('v') };
  });
  let disposed = false;

  const rowsOf = (inputIndex: number[]): tf.Tensor1D => {
    inputIndex.forEach((g) => {
      if (!Number.isInteger(g) || g < 0 || g >= numInputs)
        throw new Bert4tfjsError(
          `t5Generator: inputIndex ${g} is outside [0, ${numInputs}) (numInputs is ${numInputs})`,
          'bad-argument',
        );
    });
    return tf.tensor1d(inputIndex, 'int32');
  };

  const step: StepFn<T5DecoderCache> = (outputIds, state, inputIndex) => {
    if (disposed) throw new Bert4tfjsError('t5Generator: used after dispose()', 'bad-argument');
    const past = state?.selfKeys.length ? (state.selfKeys[0].shape[2] as number) : 0;
    const n = outputIds[0]?.length ?? 0;
    if (outputIds.some((r) => r.length !== n) || n <= past) {
      throw new Bert4tfjsError(
        `t5Generator: every hypothesis must have the same length, longer than the ${past} cached token(s)`,
        'bad-argument',
      );
    }
    return tidyStep(() => {
      const rows = rowsOf(inputIndex);
      if (!useCache) {
        // Reference path: the full decoder on the whole prefix, no cache.
        const out = parts.decoder.predict([
          tf.tensor2d(outputIds, undefined, 'int32'),
          tf.ones([outputIds.length, n]),
          tf.gather(encoded.hidden, rows),
          tf.gather(encoded.mask, rows),
        ]) as tf.Tensor[];
        const logits = tf.reshape(tf.slice(out[1], [0, n - 1, 0], [-1, 1, -1]), [outputIds.length, -1]) as tf.Tensor2D;
        return { logits };
      }
      const cache: T5DecoderCache = state ?? {
        selfKeys: [],
        selfValues: [],
        crossKeys: encoded.keys.map((k) => tf.gather(k, rows) as tf.Tensor4D),
        crossValues: encoded.values.map((v) => tf.gather(v, rows) as tf.Tensor4D),
        encoderMask: tf.gather(encoded.mask, rows) as tf.Tensor2D,
      };
      const fresh = tf.tensor2d(
        outputIds.map((r) => r.slice(past)),
        undefined,
        'int32',
      );
      const { logits, cache: next } = decodeIncrement(parts, fresh, cache);
      return { logits, state: next };
    });
  };

  return {
    numInputs,
    step,
    reorderState: reorderT5Cache,
    decoder: (o) =>
      new AutoRegressiveDecoder<T5DecoderCache>({
        startId: c.decoderStartTokenId,
        endId: c.eosTokenId,
        maxLength: o.maxLength,
        minLength: o.minLength,
        step,
        reorderState: reorderT5Cache,
      }),
    dispose(): void {
      if (disposed) return;
      disposed = true;
      tf.dispose([encoded.mask, encoded.hidden, ...encoded.keys, ...encoded.values]);
    },
  };
}
