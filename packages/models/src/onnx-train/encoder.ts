/**
 * The forward pass of a post-LayerNorm BERT / ALBERT encoder on a {@link GradTape}, op for op as the
 * inference graph (onnx/encoder-graph.ts) and our tfjs layers compute it, so the tape can differentiate
 * it. Dropout multiplies by masks that are graph inputs (bool, drawn by the caller from `--seed`, scaled
 * here by 1/(1 − p)): the same masks give the same step on any engine and any onnxruntime build.
 */
import { type GradTape, OnnxDataType, onnxOps as O, type TVal } from '@bert4tfjs/core';
import type { EncoderGraphLayout, OnnxLayerNames } from '../onnx/encoder-graph.ts';
import type { TrainParams } from './params.ts';

/** A dropout mask input the caller must feed: bool, 1 = keep, with the shape given in symbolic dims. */
export interface DropoutSite {
  name: string;
  shape: Array<number | string>;
  rate: number;
}

/** What the encoder reads and writes. */
export interface EncoderContext {
  t: GradTape;
  p: TrainParams;
  /** Where each layer's tensors are and the sizes (the family's ONNX hook). */
  layout: EncoderGraphLayout;
  /** Dropout rates of the hidden states and the attention probabilities (config.json's). */
  hiddenDropout: number;
  attentionDropout: number;
  /** Dropout masks are declared (and applied) only when true. */
  dropout: boolean;
  /** Collected dropout mask inputs. */
  sites: DropoutSite[];
}

/** The encoder's inputs for one side of a batch (prefix '' for a cross-encoder, 'a_' / 'b_' for a bi-encoder). */
export interface EncoderInputs {
  ids: TVal;
  types: TVal;
  /** float attention mask [B, L] (1 = token, 0 = padding). */
  mask: TVal;
  prefix: string;
  batch: string;
  seq: string;
}

/** x ⊙ mask / (1 − rate) with a fed bool mask; identity when dropout is off or the rate is 0. */
export function dropout(c: EncoderContext, x: TVal, site: string, rate: number): TVal {
  if (!c.dropout || rate <= 0) return x;
  const m = c.t.input(site, x.shape, OnnxDataType.BOOL);
  c.sites.push({ name: site, shape: [...x.shape], rate });
  const scaled = c.t.raw(
    'Mul',
    [c.t.raw('Cast', [m.name], x.shape, { to: OnnxDataType.FLOAT }).name, c.t.scalar(1 / (1 - rate)).name],
    x.shape,
  );
  return O.mul(c.t, x, scaled);
}

/** x W + b for Hugging Face linear `prefix`. */
export function dense(c: EncoderContext, x: TVal, prefix: string): TVal {
  return O.add(c.t, O.matmul(c.t, x, c.p.get(`${prefix}.weight`, true)), c.p.get(`${prefix}.bias`));
}

function layerNorm(c: EncoderContext, x: TVal, prefix: string): TVal {
  return O.layerNorm(c.t, x, c.p.get(`${prefix}.weight`), c.p.get(`${prefix}.bias`), c.layout.layerNormEps);
}

function activation(c: EncoderContext, x: TVal): TVal {
  switch (c.layout.hiddenAct) {
    case 'gelu':
      return O.gelu(c.t, x);
    case 'gelu_new':
    case 'gelu_fast':
    case 'gelu_pytorch_tanh':
    case 'gelu-tanh':
      return O.geluTanh(c.t, x);
    case 'relu': {
      // max(x, 0) is the clamp from below at 0.
      return O.clampMin(c.t, x, 0);
    }
    case 'tanh':
      return O.tanh(c.t, x);
    default:
      throw new UnsupportedActivation(c.layout.hiddenAct);
  }
}

/** Thrown for a `hidden_act` the training graph has no gradient for (the caller names the model). */
export class UnsupportedActivation extends Error {
  constructor(readonly act: string) {
    super(`hidden_act '${act}'`);
  }
}

function selfAttention(
  c: EncoderContext,
  x: TVal,
  bias: TVal,
  n: OnnxLayerNames,
  site: string,
  io: EncoderInputs,
): TVal {
  const { t } = c;
  const heads = c.layout.numAttentionHeads;
  const hidden = c.layout.hiddenSize;
  const d = hidden / heads;
  const [B, L] = [io.batch, io.seq];
  const split = (v: TVal) => O.reshape(t, v, [0, 0, heads, d], [B, L, heads, d]);
  // 1/√d on q (as the tfjs kernel), not on the L × L scores.
  const q = O.transpose(t, split(O.scale(t, dense(c, x, n.q), 1 / Math.sqrt(d))), [0, 2, 1, 3]);
  const kT = O.transpose(t, split(dense(c, x, n.k)), [0, 2, 3, 1]);
  const v = O.transpose(t, split(dense(c, x, n.v)), [0, 2, 1, 3]);
  const scores = O.add(t, O.matmul(t, q, kT), bias);
  const probs = dropout(c, O.softmax(t, scores), `${site}.attention_probs`, c.attentionDropout);
  const ctx = O.transpose(t, O.matmul(t, probs, v), [0, 2, 1, 3]);
  return dense(c, O.reshape(t, ctx, [0, 0, hidden], [B, L, hidden]), n.o);
}

/** The additive mask [B, 1, 1, L]: 0 on tokens, −1e9 on padding (the tfjs kernel's constant). */
function maskBias(c: EncoderContext, mask: TVal, io: EncoderInputs): TVal {
  const { t } = c;
  const neg = t.raw(
    'Mul',
    [t.raw('Sub', [t.scalar(1).name, mask.name], mask.shape).name, t.scalar(-1e9).name],
    mask.shape,
  );
  return t.raw('Unsqueeze', [neg.name, t.ints([1, 2])], [io.batch, 1, 1, io.seq]);
}

/**
 * Position ids (int64, not differentiated): 0..L−1 from the ids' shape; with `paddingOffsetPositions`
 * (RoBERTa) counted over non-padding ids from pad + 1, padding at pad, as Hugging Face and our tfjs layer.
 * The table's gradient is the ScatterND-add of the rows looked up.
 */
function positionIds(c: EncoderContext, io: EncoderInputs): TVal {
  const { t } = c;
  const pad = c.layout.paddingOffsetPositions;
  if (pad === undefined) {
    const len = t.g.op('Squeeze', [t.g.op('Shape', [io.ids.name], { start: 1, end: 2 }), t.ints([0])]);
    const zero = t.g.int64s(`${io.prefix}pos_start`, [0], []);
    const one = t.g.int64s(`${io.prefix}pos_step`, [1], []);
    return t.constant(t.g.op('Range', [zero, len, one]), [io.seq]);
  }
  const padIds = t.ints([pad]);
  const real = t.g.op('Cast', [t.g.op('Not', [t.g.op('Equal', [io.ids.name, padIds])])], { to: OnnxDataType.INT64 });
  const axis = t.g.int64s(`${io.prefix}pos_cumsum_axis`, [1], []);
  const counted = t.g.op('Mul', [t.g.op('CumSum', [real, axis]), real]);
  return t.constant(t.g.op('Add', [counted, padIds]), [io.batch, io.seq]);
}

/**
 * The encoder on one side of the batch: returns every layer's output (the last is last_hidden_state).
 */
export function encoderForward(c: EncoderContext, io: EncoderInputs): TVal[] {
  const { t } = c;
  const e = c.layout.embeddings;
  const positions = positionIds(c, io);
  let x = O.add(
    t,
    O.add(
      t,
      O.gather(t, c.p.get(`${e}.word_embeddings.weight`), io.ids),
      O.gather(t, c.p.get(`${e}.token_type_embeddings.weight`), io.types),
    ),
    O.gather(t, c.p.get(`${e}.position_embeddings.weight`), positions),
  );
  x = layerNorm(c, x, `${e}.LayerNorm`);
  x = dropout(c, x, `${io.prefix}dropout.embeddings`, c.hiddenDropout);
  if (c.layout.embeddingProjection) x = dense(c, x, c.layout.embeddingProjection);
  const bias = maskBias(c, io.mask, io);
  const outs: TVal[] = [];
  c.layout.layers.forEach((n, i) => {
    const site = `${io.prefix}dropout.layer${i}`;
    const a = dropout(c, selfAttention(c, x, bias, n, site, io), `${site}.attention_output`, c.hiddenDropout);
    x = layerNorm(c, O.add(t, x, a), n.attnNorm);
    const f = dropout(c, dense(c, activation(c, dense(c, x, n.inner)), n.outer), `${site}.output`, c.hiddenDropout);
    x = layerNorm(c, O.add(t, x, f), n.ffnNorm);
    outs.push(x);
  });
  if (outs.length === 0) outs.push(x);
  return outs;
}
