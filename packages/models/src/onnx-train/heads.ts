/**
 * The train-matching heads and losses on the tape, the same formulas as the tfjs objectives
 * (cli matching/objectives.ts and core's losses):
 * - cross-encoder: pooler tanh(dense(h[:, 0])) -> dropout -> classifier; softmax cross-entropy against fed
 *   target distributions (label smoothing is applied to the targets by the caller), mean squared error on
 *   a regression output, or CoSENT over the pair score;
 * - bi-encoder: masked mean pooling, L2 normalisation, then CoSENT over the cosines or in-batch
 *   contrastive (InfoNCE) of row i of a against every b.
 */
import { OnnxDataType, onnxOps as O, type TVal } from '@bert4tfjs/core';
import { dense, dropout, type EncoderContext } from './encoder.ts';

/** h[:, 0] through the pooler: tanh(dense(h[:, 0])) [B, H]. */
export function pooler(c: EncoderContext, h: TVal, batch: string): TVal {
  const H = c.layout.hiddenSize;
  const cls = O.reshape(c.t, O.slice(c.t, h, 1, 0, 1), [-1, H], [batch, H]);
  return O.tanh(c.t, dense(c, cls, c.layout.pooler));
}

/** −mean_rows Σ_c t_c log softmax(z)_c against targets `t` [B, C] (a fed input). */
export function softmaxCrossEntropy(c: EncoderContext, logits: TVal, targets: TVal): TVal {
  const { t } = c;
  const rows = O.reduceSum(t, O.mul(t, targets, O.logSoftmax(t, logits)), [-1]);
  return O.neg(t, O.reduceMean(t, rows, [0]));
}

/** mean((z − y)²) of a [B, 1] regression output against labels [B]. */
export function meanSquaredError(c: EncoderContext, out: TVal, labels: TVal, batch: string): TVal {
  const { t } = c;
  const d = O.sub(t, O.reshape(t, out, [-1], [batch]), labels);
  return O.reduceMean(t, O.mul(t, d, d), [0]);
}

/**
 * CoSENT: log(1 + Σ_{i,j: y_i > y_j} e^{s(c_j − c_i)}) over scores `c` [B]; `rankBias` [B, B] is a fed
 * input, 0 where y_i > y_j and −1e30 elsewhere (the tfjs loss's NEG_BIG), so the pair set is the caller's.
 */
export function cosent(c: EncoderContext, scores: TVal, rankBias: TVal, scale: number): TVal {
  const { t } = c;
  const s = O.scale(t, scores, scale);
  const row = O.unsqueeze(t, s, [0]); // [1, B]: s_j
  const col = O.unsqueeze(t, s, [1]); // [B, 1]: s_i
  const diff = O.sub(t, row, col);
  return O.log1pSumExp(t, O.add(t, diff, rankBias));
}

/** Mean over real tokens: Σ_t h ⊙ m / max(Σ_t m, 1e-9) [B, H]. */
export function maskedMean(c: EncoderContext, h: TVal, mask: TVal, batch: string): TVal {
  const { t } = c;
  const m3 = t.raw('Unsqueeze', [mask.name, t.ints([-1])], [batch, mask.shape[1], 1]);
  const total = O.reduceSum(t, O.mul(t, h, m3), [1]);
  const count = t.raw(
    'Max',
    [t.raw('ReduceSum', [m3.name, t.ints([1])], [batch, 1], { keepdims: 0 }).name, t.scalar(1e-9).name],
    [batch, 1],
  );
  return O.div(t, total, count);
}

/** Rows scaled to unit length: x / max(‖x‖, 1e-12) (core's l2Normalize). */
export function l2Normalize(c: EncoderContext, x: TVal): TVal {
  const { t } = c;
  const norm = O.sqrt(t, O.clampMin(t, O.reduceSum(t, O.mul(t, x, x), [-1], true), 1e-24));
  return O.div(t, x, norm);
}

/** Cosine of each row pair [B]. */
export function rowCosine(c: EncoderContext, a: TVal, b: TVal): TVal {
  return O.reduceSum(c.t, O.mul(c.t, l2Normalize(c, a), l2Normalize(c, b)), [-1]);
}

/** In-batch contrastive: −mean_i log softmax_j(s·cos(a_i, b_j))[i]. */
export function inBatchContrastive(c: EncoderContext, a: TVal, b: TVal, scale: number): TVal {
  const { t } = c;
  const an = l2Normalize(c, a);
  const bn = l2Normalize(c, b);
  const logits = O.scale(t, O.matmul(t, an, O.transpose(t, bn, [1, 0])), scale);
  const eye = t.raw('EyeLike', [logits.name], logits.shape, { dtype: OnnxDataType.FLOAT });
  return softmaxCrossEntropy(c, logits, eye);
}

/** The classifier logits of the cross-encoder [B, numLabels]. */
export function classifierLogits(c: EncoderContext, h: TVal, batch: string): TVal {
  const pooled = dropout(c, pooler(c, h, batch), 'dropout.classifier', c.hiddenDropout);
  return dense(c, pooled, 'classifier');
}
