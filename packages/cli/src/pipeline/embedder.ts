/**
 * Sentence embeddings from a model directory: tokenize, batch by length (sort, pad per batch, restore
 * order), run the encoder, pool with the padding mask, optionally L2-normalise. {@link EmbedderBase}
 * holds what every engine shares; {@link Embedder} is the tfjs engine (every batch inside tf.tidy so
 * memory stays flat however long the input), OnnxEmbedder (onnx-embedder.ts) the onnxruntime one.
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError, l2Normalize, poolHidden, type PoolingMode } from '@bert4tfjs/core';
import { DEFAULT_SENTENCE_POOLING, sentencePoolingFor, type TransformerModel } from '@bert4tfjs/models';
import type { Tokenizer } from '@bert4tfjs/tokenizers';

/** One input: text (optionally a pair) or already-tokenized ids. */
export type EmbedInput = { text: string; textPair?: string } | { inputIds: number[]; tokenTypeIds?: number[] };

/** Pooling for `embed`: the core modes plus the pooler head and per-token output. */
export type EmbedPooling = PoolingMode | 'pooler' | 'none';

/** Options of {@link Embedder} and the other engines. */
export interface EmbedderOptions {
  /** Default: the model family's sentence pooling (see `sentencePoolingFor`; mean for BERT-like encoders). */
  pooling?: EmbedPooling;
  normalize?: boolean;
  batchSize?: number;
  maxLength?: number;
  /** Sort by length and pad per batch (less padding); results come back in input order either way. */
  bucket?: boolean;
}

/** Per-batch progress: items done so far and tokens in the batch just finished. */
export type ProgressFn = (done: number, tokens: number) => void;

/** One input after tokenization and truncation. */
export interface EncodedInput {
  ids: number[];
  types: number[];
  truncated: boolean;
}

/** The pooling modes `embed` accepts. */
export const EMBED_POOLINGS: readonly EmbedPooling[] = ['cls', 'mean', 'max', 'first-last-avg', 'pooler', 'none'];

/**
 * What every embedding engine shares: option checks, tokenization with truncation, and the batch plan
 * (sorted by length when bucketing, so each batch pads to its own longest input). Engines differ only
 * in how they run a batch.
 */
export abstract class EmbedderBase {
  readonly pooling: EmbedPooling;
  readonly normalize: boolean;
  readonly batchSize: number;
  readonly maxLength: number;
  readonly bucket: boolean;
  /** How many inputs were truncated to maxLength in the last call. */
  truncated = 0;

  constructor(
    maxPositions: number,
    readonly tokenizer: Tokenizer | null,
    options: EmbedderOptions = {},
  ) {
    this.pooling = options.pooling ?? DEFAULT_SENTENCE_POOLING;
    this.normalize = options.normalize ?? false;
    this.batchSize = options.batchSize ?? 32;
    this.bucket = options.bucket ?? true;
    this.maxLength = Math.min(options.maxLength ?? maxPositions, maxPositions);
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1)
      throw new Bert4tfjsError(`--batch-size must be a positive integer, got ${options.batchSize}`, 'bad-argument');
    if (!Number.isInteger(this.maxLength) || this.maxLength < 2)
      throw new Bert4tfjsError(`--max-length must be an integer >= 2, got ${options.maxLength}`, 'bad-argument');
    if (!EMBED_POOLINGS.includes(this.pooling))
      throw new Bert4tfjsError(
        `--pooling must be one of ${EMBED_POOLINGS.join(', ')}, got '${this.pooling}'`,
        'bad-argument',
      );
  }

  /** Tokenizes (or checks pre-tokenized ids of) one input, truncating to maxLength. */
  protected encodeInput(input: EmbedInput, index: number): EncodedInput {
    if ('inputIds' in input) {
      const ids = input.inputIds.slice(0, this.maxLength);
      const types = (input.tokenTypeIds ?? ids.map(() => 0)).slice(0, this.maxLength);
      if (types.length !== ids.length)
        throw new Bert4tfjsError(
          `input ${index + 1}: token_type_ids has ${types.length} entries, input_ids ${ids.length}`,
          'bad-input',
        );
      return { ids, types, truncated: input.inputIds.length > this.maxLength };
    }
    if (!this.tokenizer)
      throw new Bert4tfjsError(
        `input ${index + 1} is text but the model has no vocab.txt; give pre-tokenized input_ids`,
        'bad-input',
      );
    const full = this.tokenizer.encode(input.text, input.textPair, { truncation: false });
    if (full.inputIds.length <= this.maxLength)
      return { ids: full.inputIds, types: full.tokenTypeIds, truncated: false };
    const cut = this.tokenizer.encode(input.text, input.textPair, { maxLength: this.maxLength });
    return { ids: cut.inputIds, types: cut.tokenTypeIds, truncated: true };
  }

  /** Encodes all inputs and splits them into batches of input indices (length-sorted when bucketing). */
  protected plan(inputs: EmbedInput[]): { encoded: EncodedInput[]; batches: number[][] } {
    const encoded = inputs.map((x, i) => this.encodeInput(x, i));
    this.truncated = encoded.filter((e) => e.truncated).length;
    const order = encoded.map((_, i) => i);
    if (this.bucket) order.sort((a, b) => encoded[a].ids.length - encoded[b].ids.length || a - b);
    const batches: number[][] = [];
    for (let start = 0; start < order.length; start += this.batchSize)
      batches.push(order.slice(start, start + this.batchSize));
    return { encoded, batches };
  }
}

/** Turns texts into sentence vectors with a loaded model and tokenizer, on tfjs. */
export class Embedder extends EmbedderBase {
  #runner: tf.LayersModel;
  #outputs: string[];

  constructor(
    readonly built: TransformerModel,
    tokenizer: Tokenizer | null,
    options: EmbedderOptions = {},
  ) {
    const maxPos =
      typeof built.rawConfig.max_position_embeddings === 'number' ? built.rawConfig.max_position_embeddings : 512;
    super(maxPos, tokenizer, { ...options, pooling: options.pooling ?? sentencePoolingFor(built.family) });
    // One runner model exposing exactly the tensors this pooling needs.
    const model = built.model;
    const lastIdx = built.outputNames.indexOf('last_hidden_state');
    const outs: tf.SymbolicTensor[] = [model.outputs[lastIdx]];
    this.#outputs = ['last'];
    if (this.pooling === 'pooler') {
      const p = built.outputNames.indexOf('pooler_output');
      if (p < 0)
        throw new Bert4tfjsError(
          `--pooling pooler: this model has no pooler (its checkpoint has no pooler weights)`,
          'bad-argument',
        );
      outs.push(model.outputs[p]);
      this.#outputs.push('pooler');
    }
    if (this.pooling === 'first-last-avg') {
      const first = model.layers.find((l) => l.name === 'Transformer-0-FeedForward-Norm');
      if (!first)
        throw new Bert4tfjsError(
          `--pooling first-last-avg: cannot find the first Transformer layer's output`,
          'bad-argument',
        );
      outs.push(first.getOutputAt(0) as tf.SymbolicTensor);
      this.#outputs.push('first');
    }
    this.#runner = tf.model({ inputs: model.inputs, outputs: outs });
  }

  /** Embeds all inputs; returns one Float32Array per input (per-token rows concatenated for pooling 'none'). */
  embed(inputs: EmbedInput[], onProgress?: ProgressFn): Float32Array[] {
    const { encoded, batches } = this.plan(inputs);
    const results: Float32Array[] = new Array(inputs.length);
    let done = 0;
    for (const idx of batches) {
      const len = Math.max(...idx.map((i) => encoded[i].ids.length));
      const pad = (row: number[]) => [...row, ...new Array(len - row.length).fill(0)];
      const vectors = tf.tidy(() => {
        const ids = tf.tensor2d(
          idx.map((i) => pad(encoded[i].ids)),
          [idx.length, len],
          'int32',
        );
        const types = tf.tensor2d(
          idx.map((i) => pad(encoded[i].types)),
          [idx.length, len],
          'int32',
        );
        const maskRows = idx.map((i) => pad(encoded[i].ids.map(() => 1)));
        const mask = tf.tensor2d(maskRows, [idx.length, len], 'float32');
        const feeds = this.built.inputNames.map((n) =>
          n === 'input_ids' ? ids : n === 'token_type_ids' ? types : mask,
        );
        const out = this.#runner.predict(feeds) as tf.Tensor | tf.Tensor[];
        const list = Array.isArray(out) ? out : [out];
        const get = (name: string) => list[this.#outputs.indexOf(name)];
        let pooled: tf.Tensor;
        if (this.pooling === 'none') pooled = tf.mul(get('last'), tf.expandDims(mask, -1));
        else if (this.pooling === 'pooler') pooled = get('pooler');
        else
          pooled = poolHidden(
            this.pooling,
            get('last'),
            mask,
            this.#outputs.includes('first') ? get('first') : undefined,
          );
        if (this.normalize) pooled = l2Normalize(pooled);
        return pooled;
      });
      const data = vectors.dataSync() as Float32Array;
      const width = data.length / idx.length;
      idx.forEach((orig, k) => {
        const row = data.slice(k * width, (k + 1) * width);
        // Per-token output keeps only the real tokens.
        results[orig] = this.pooling === 'none' ? row.slice(0, encoded[orig].ids.length * (width / len)) : row;
      });
      vectors.dispose();
      done += idx.length;
      onProgress?.(
        done,
        idx.reduce((s, i) => s + encoded[i].ids.length, 0),
      );
    }
    return results;
  }
}
