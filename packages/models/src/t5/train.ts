/**
 * Seq2seq training for a built T5: teacher forcing (decoder inputs = labels shifted right behind the
 * start id) and the token cross-entropy over non-padding label positions, ready for
 * `optimizer.minimize(() => t5Seq2SeqLoss(built, batch))`.
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '@bert4tfjs/core';
import type { TransformerModel } from '../family.ts';
import type { T5Config } from './config.ts';
import type { T5Build } from './model.ts';

/** One training batch, rows padded to one length per field. */
export interface T5Seq2SeqBatch {
  input_ids: number[][];
  /** 1 = token, 0 = padding; default all ones. */
  attention_mask?: number[][];
  /** Target ids ending with eos; positions holding `pad_token_id` after the target do not count. */
  labels: number[][];
}

/** Decoder inputs for teacher forcing: `[startId, ...labels[:-1]]` per row. */
export function shiftRight(labels: number[][], startId: number): number[][] {
  return labels.map((row) => [startId, ...row.slice(0, -1)]);
}

function t5Config(built: TransformerModel | T5Build): T5Config {
  const c = built.config as Partial<T5Config> | undefined;
  if (!c || typeof c.decoderStartTokenId !== 'number' || !(built as Partial<T5Build>).encoder) {
    throw new Bert4tfjsError('t5Seq2SeqLoss: needs a model built as t5 / t5.1.1 / mt5', 'bad-argument');
  }
  return c as T5Config;
}

function matrix(name: string, m: number[][] | undefined, rows: number): number[][] {
  if (
    !Array.isArray(m) ||
    m.length !== rows ||
    m.some((r) => !Array.isArray(r) || r.length !== m[0].length || r.length === 0)
  ) {
    throw new Bert4tfjsError(`t5Seq2SeqLoss: '${name}' must be ${rows} non-empty rows of one length`, 'bad-input');
  }
  return m;
}

/**
 * Mean cross-entropy of the next-token predictions over the label positions that are not
 * `pad_token_id`. `training` (default true) turns dropout on.
 */
export function t5Seq2SeqLoss(
  built: TransformerModel | T5Build,
  batch: T5Seq2SeqBatch,
  options: { training?: boolean } = {},
): tf.Scalar {
  const c = t5Config(built);
  const rows = Array.isArray(batch?.input_ids) ? batch.input_ids.length : 0;
  const ids = matrix('input_ids', batch?.input_ids, rows);
  if (rows === 0) throw new Bert4tfjsError('t5Seq2SeqLoss: empty batch', 'bad-input');
  const mask =
    batch.attention_mask === undefined
      ? ids.map((r) => r.map(() => 1))
      : matrix('attention_mask', batch.attention_mask, rows);
  if (mask[0].length !== ids[0].length)
    throw new Bert4tfjsError('t5Seq2SeqLoss: attention_mask must have the shape of input_ids', 'bad-input');
  const labels = matrix('labels', batch.labels, rows);
  return tf.tidy(() => {
    const decIds = shiftRight(labels, c.decoderStartTokenId);
    const feeds = [
      tf.tensor2d(ids, undefined, 'int32'),
      tf.tensor2d(mask, undefined, 'float32'),
      tf.tensor2d(decIds, undefined, 'int32'),
      tf.ones([rows, labels[0].length]),
    ];
    const outputs = built.model.apply(feeds, { training: options.training ?? true }) as tf.Tensor[];
    const y = tf.tensor2d(labels, undefined, 'int32');
    const keep = tf.cast(tf.notEqual(y, c.padTokenId), 'float32');
    // Written out rather than core's crossEntropy({ mask }): its divNoNan has no gradient in tfjs 4.22
    // (divNoNan's internal Equal lands on the tape).
    const logits = outputs[2];
    const picked = tf.sum(tf.mul(tf.oneHot(y, logits.shape[2] as number), tf.logSoftmax(logits)), -1);
    return tf.div(tf.neg(tf.sum(tf.mul(picked, keep))), tf.maximum(tf.sum(keep), 1)) as tf.Scalar;
  });
}
