/**
 * GPT-2 run eagerly over its layers, with a key/value cache: the same layers and the same attention code
 * as the LayersModel, plus what the graph does not give — every layer's hidden states and attention
 * probabilities (Hugging Face `output_hidden_states` / `output_attentions`) and the cache that lets the
 * next call feed only the new tokens (positions continue where the cache ends).
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '@bert4tfjs/core';
import type { TransformerModel } from '../family.ts';
import { findWeight } from '../weights.ts';
import type { KeyValue } from './attention.ts';
import type { Gpt2Config } from './config.ts';
import type { Gpt2Build, Gpt2Layers } from './model.ts';

/** Per layer, the keys and values of every position seen so far, [B, heads, past, head_dim]. */
export type Gpt2Cache = KeyValue[];

/** Options of {@link gpt2Forward}. */
export interface Gpt2ForwardOptions {
  /** The cache of the positions before `ids` (from an earlier call); null or absent: none. */
  past?: Gpt2Cache | null;
  /** Key padding mask [B, past + L] (1 = token); absent: all ones. */
  attentionMask?: tf.Tensor2D | null;
  /** Return the input of every block and the final normalised output. */
  outputHiddenStates?: boolean;
  /** Return every layer's attention probabilities. */
  outputAttentions?: boolean;
  /** Compute logits for the last position only ([B, 1, V]): what a decoding step needs. */
  lastLogitsOnly?: boolean;
}

/** What {@link gpt2Forward} returns; every tensor is the caller's to dispose. */
export interface Gpt2ForwardOutput {
  /** After the final LayerNorm, [B, L, D]. */
  lastHiddenState: tf.Tensor3D;
  /** [B, L, V] (or [B, 1, V] with `lastLogitsOnly`). */
  logits: tf.Tensor3D;
  /** The cache extended by this call's positions (past + L). */
  cache: Gpt2Cache;
  /** Embeddings, each block's output, and the final normalised output: n_layer + 1 tensors [B, L, D]. */
  hiddenStates?: tf.Tensor3D[];
  /** Per layer, [B, heads, L, past + L]. */
  attentions?: tf.Tensor4D[];
}

/** The parts of a built GPT-2 the eager path needs. */
export type Gpt2Parts = Pick<Gpt2Build, 'model' | 'config' | 'layers'>;

/** The GPT-2 parts of a built model; anything else is an error naming what it was. */
export function gpt2Parts(built: TransformerModel | Gpt2Parts, where = 'gpt2Forward'): Gpt2Parts {
  const layers = (built as Partial<Gpt2Build>).layers as Partial<Gpt2Layers> | undefined;
  if (!layers?.blocks || !layers.finalNorm || !layers.tokenEmbedding) {
    const family = (built as Partial<TransformerModel>).family ?? 'unknown';
    throw new Bert4tfjsError(`${where}: needs a model built as gpt2, got a '${family}' model`, 'bad-argument');
  }
  return built as Gpt2Parts;
}

/** The number of positions a cache holds. */
export function cacheLength(cache: Gpt2Cache | null | undefined): number {
  return cache?.length ? cache[0].key.shape[2] : 0;
}

/**
 * Runs GPT-2 on `ids` [B, L] after the cached positions. Inference only (no dropout). Errors name the
 * input at fault: ids outside the vocabulary, a cache of the wrong depth or batch, or a total length
 * beyond `n_positions`.
 */
export function gpt2Forward(
  built: TransformerModel | Gpt2Parts,
  ids: tf.Tensor2D,
  options: Gpt2ForwardOptions = {},
): Gpt2ForwardOutput {
  const { model, config: c, layers } = gpt2Parts(built);
  const past = options.past ?? null;
  const [batch, length] = ids.shape;
  const pastLength = cacheLength(past);
  checkInputs(c, layers, ids, past, pastLength);
  return tf.tidy(() => {
    const table = findWeight(model, layers.positionEmbedding.name, 'embeddings').read();
    const positions = tf.slice(table, [pastLength, 0], [length, c.nEmbd]);
    let h = tf.add(layers.tokenEmbedding.apply(tf.cast(ids, 'int32')) as tf.Tensor, tf.expandDims(positions, 0));
    const hiddenStates: tf.Tensor[] = [];
    const attentions: tf.Tensor[] = [];
    const cache: Gpt2Cache = [];
    layers.blocks.forEach((b, i) => {
      if (options.outputHiddenStates) hiddenStates.push(h);
      const out = b.attn.attend(b.ln1.apply(h) as tf.Tensor, options.attentionMask ?? null, past?.[i] ?? null);
      if (options.outputAttentions) attentions.push(out.probs);
      cache.push({ key: out.key, value: out.value });
      h = tf.add(h, out.output);
      h = tf.add(h, b.mlp.apply(b.ln2.apply(h)) as tf.Tensor);
    });
    const last = layers.finalNorm.apply(h) as tf.Tensor3D;
    if (options.outputHiddenStates) hiddenStates.push(last);
    const headInput = options.lastLogitsOnly ? tf.slice(last, [0, length - 1, 0], [batch, 1, c.nEmbd]) : last;
    const logits = (
      layers.lmHead ? layers.lmHead.apply(headInput) : layers.tokenEmbedding.apply(headInput)
    ) as tf.Tensor3D;
    const result: Gpt2ForwardOutput = { lastHiddenState: last, logits, cache };
    if (options.outputHiddenStates) result.hiddenStates = hiddenStates as tf.Tensor3D[];
    if (options.outputAttentions) result.attentions = attentions as tf.Tensor4D[];
    return result as unknown as tf.TensorContainer;
  }) as unknown as Gpt2ForwardOutput;
}

function checkInputs(
  c: Gpt2Config,
  layers: Gpt2Layers,
  ids: tf.Tensor2D,
  past: Gpt2Cache | null,
  pastLength: number,
): void {
  const [batch, length] = ids.shape;
  if (ids.rank !== 2 || length === 0) {
    throw new Bert4tfjsError(
      `gpt2Forward: input_ids must be [batch, length] with length >= 1, got [${ids.shape}]`,
      'bad-input',
    );
  }
  if (pastLength + length > c.nPositions) {
    throw new Bert4tfjsError(
      `gpt2Forward: ${pastLength} cached + ${length} new positions exceed n_positions ${c.nPositions}`,
      'too-long',
    );
  }
  if (past && (past.length !== layers.blocks.length || past.some((kv) => kv.key.shape[0] !== batch))) {
    throw new Bert4tfjsError(
      `gpt2Forward: the cache has ${past.length} layer(s) of batch ${past[0]?.key.shape[0]}, the model ${layers.blocks.length} layer(s) and input_ids batch ${batch}`,
      'bad-input',
    );
  }
  const vocab = layers.tokenEmbedding.inputDim;
  const values = ids.dataSync();
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < 0 || v >= vocab) {
      throw new Bert4tfjsError(
        `gpt2Forward: input_ids[${Math.floor(i / length)}][${i % length}] = ${v} is outside the vocabulary [0, ${vocab})`,
        'bad-input',
      );
    }
  }
}
