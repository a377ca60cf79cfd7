/**
 * ONNX graphs of BERT-like post-LN encoders (BERT, ALBERT, ... — each family's ONNX hook gives the layout) (with the pooler when the model has one), laid out as
 * Hugging Face's ONNX exports are, so @xenova/transformers and onnxruntime take them as they are:
 * int64 inputs `input_ids`, `attention_mask`, `token_type_ids` [batch_size, sequence_length]; outputs
 * `last_hidden_state` [batch_size, sequence_length, hidden] and `pooler_output` [batch_size, hidden].
 */
import { Bert4tfjsError, OnnxDataType, type OnnxGraphBuilder } from '@bert4tfjs/core';
import type { EncoderOps } from './ops.ts';

/** Added to masked attention scores; the same constant as the tfjs attention kernel (exp underflows to 0). */
export const ONNX_MASK_NEGATIVE = -1e9;

/** Which encoder to write and what to expose. */
export interface EncoderGraphSpec {
  /** The encoder, from the family's ONNX hook. */
  layout: EncoderGraphLayout;
  /** Write the pooler and the `pooler_output` output. */
  withPooler: boolean;
  /** Also output the first Transformer layer's hidden states (`first_layer_hidden_state`, for first-last-avg pooling). */
  firstLayerOutput?: boolean;
}

const BATCH = 'batch_size';
const SEQ = 'sequence_length';

/**
 * Embeddings (token + segment + absolute position, LayerNorm) of width E; returns [B, L, E]. With
 * `padTokenId` (RoBERTa) positions are counted over non-padding ids from pad + 1, padding at pad.
 */
function embeddings(ops: EncoderOps, p: string, eps: number, ids: string, types: string, padTokenId?: number): string {
  const g = ops.g;
  const tok = g.op('Gather', [ops.param(`${p}.word_embeddings.weight`), ids], { axis: 0 });
  const seg = g.op('Gather', [ops.param(`${p}.token_type_embeddings.weight`), types], { axis: 0 });
  const table = ops.param(`${p}.position_embeddings.weight`);
  let pos: string;
  if (padTokenId === undefined) {
    // Positions 0..L-1: slice the first L rows of the table, L read from the input's shape (opset 15 Shape).
    const len = g.op('Shape', [ids], { start: 1, end: 2 });
    pos = g.op('Slice', [table, ops.ints([0]), len, ops.ints([0])]);
  } else {
    // cumsum(ids != pad) * (ids != pad) + pad, as Hugging Face's RoBERTa.
    const pad = ops.ints([padTokenId]);
    const real = g.op('Cast', [g.op('Not', [g.op('Equal', [ids, pad])])], { to: OnnxDataType.INT64 });
    const counted = g.op('Mul', [g.op('CumSum', [real, g.int64s('cumsum_axis', [1], [])]), real]);
    pos = g.op('Gather', [table, g.op('Add', [counted, pad])], { axis: 0 });
  }
  const sum = g.op('Add', [g.op('Add', [tok, seg]), pos]);
  return ops.layerNorm(sum, `${p}.LayerNorm.weight`, `${p}.LayerNorm.bias`, eps);
}

/** The additive attention mask [B, 1, 1, L]: 0 where attention_mask is 1, a large negative where 0. */
function maskBias(ops: EncoderOps, mask: string): string {
  const g = ops.g;
  const m = g.op('Cast', [mask], { to: OnnxDataType.FLOAT });
  const bias = g.op('Mul', [g.op('Sub', [ops.const(1), m]), ops.const(ONNX_MASK_NEGATIVE)]);
  return g.op('Unsqueeze', [bias, ops.ints([1, 2])]);
}

/** Hugging Face tensor prefixes of one post-LN layer (each `.weight` / `.bias`). */
export interface OnnxLayerNames {
  q: string;
  k: string;
  v: string;
  o: string;
  attnNorm: string;
  inner: string;
  outer: string;
  ffnNorm: string;
}

/**
 * A BERT-like post-LN encoder as the emitter writes it, supplied by a family's ONNX hook: where its
 * tensors are (Hugging Face names) and its sizes. Embeddings are token + segment + absolute position,
 * LayerNorm'd, optionally projected; then `layers` in order (a shared layer may appear many times).
 */
export interface EncoderGraphLayout {
  /** Prefix of `word_embeddings`, `token_type_embeddings`, `position_embeddings`, `LayerNorm` (e.g. `bert.embeddings`). */
  embeddings: string;
  /** A dense projection after the embeddings (ALBERT's E -> H), or none. */
  embeddingProjection?: string;
  /** Position ids counted over non-padding tokens from this pad id + 1 (RoBERTa), instead of 0..L-1. */
  paddingOffsetPositions?: number;
  /** The layer applied at each depth. */
  layers: OnnxLayerNames[];
  /** The pooler dense layer (`bert.pooler.dense`). */
  pooler: string;
  hiddenSize: number;
  numAttentionHeads: number;
  hiddenAct: string;
  layerNormEps: number;
}

/** One post-LayerNorm block: x = LN(x + Attn(x)); x = LN(x + FFN(x)). */
function postNormLayer(ops: EncoderOps, x: string, bias: string, n: OnnxLayerNames, c: EncoderGraphLayout): string {
  const g = ops.g;
  const a = ops.selfAttention(x, bias, n, c.numAttentionHeads, c.hiddenSize);
  x = ops.layerNorm(g.op('Add', [x, a]), `${n.attnNorm}.weight`, `${n.attnNorm}.bias`, c.layerNormEps);
  const f = ops.dense(ops.activation(ops.dense(x, n.inner), c.hiddenAct), n.outer);
  return ops.layerNorm(g.op('Add', [x, f]), `${n.ffnNorm}.weight`, `${n.ffnNorm}.bias`, c.layerNormEps);
}

/** Writes the encoder described by `spec` into the builder `ops.g` (inputs, nodes and outputs). */
export function writeEncoderGraph(ops: EncoderOps, spec: EncoderGraphSpec): void {
  const g: OnnxGraphBuilder = ops.g;
  if (g.opset < 17)
    throw new Bert4tfjsError(`ONNX export needs opset >= 17 (LayerNormalization), got ${g.opset}`, 'bad-argument');
  const c = spec.layout;
  const ids = g.input('input_ids', OnnxDataType.INT64, [BATCH, SEQ]);
  const mask = g.input('attention_mask', OnnxDataType.INT64, [BATCH, SEQ]);
  const types = g.input('token_type_ids', OnnxDataType.INT64, [BATCH, SEQ]);
  let x = embeddings(ops, c.embeddings, c.layerNormEps, ids, types, c.paddingOffsetPositions);
  if (c.embeddingProjection) x = ops.dense(x, c.embeddingProjection);
  const bias = maskBias(ops, mask);
  let first: string | null = null;
  for (const names of c.layers) {
    x = postNormLayer(ops, x, bias, names, c);
    first ??= x;
  }
  g.output(x, 'last_hidden_state', OnnxDataType.FLOAT, [BATCH, SEQ, c.hiddenSize]);
  if (spec.withPooler) {
    // pooler_output = tanh(dense(h[:, 0]))
    const cls = g.op('Gather', [x, g.int64s('cls_index', [0], [])], { axis: 1 });
    const pooled = g.op('Tanh', [ops.dense(cls, c.pooler)]);
    g.output(pooled, 'pooler_output', OnnxDataType.FLOAT, [BATCH, c.hiddenSize]);
  }
  if (spec.firstLayerOutput && first)
    g.output(first, 'first_layer_hidden_state', OnnxDataType.FLOAT, [BATCH, SEQ, c.hiddenSize]);
}
