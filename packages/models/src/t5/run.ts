/**
 * `bert4tfjs forward` for T5 / mT5: the model's outputs, plus Hugging Face's `loss` when the inputs carry
 * `labels`. As in `T5ForConditionalGeneration`: labels of -100 are ignored (padding labels that are not
 * -100 count, exactly as HF counts them), and without `decoder_input_ids` the decoder is fed the labels
 * shifted right behind `decoder_start_token_id` (-100 read as `pad_token_id`).
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError, crossEntropy } from '@bert4tfjs/core';
import type { TransformerModel } from '../family.ts';
import { runModel, type ModelInputs } from '../run.ts';
import type { T5Config } from './config.ts';
import { shiftRight } from './train.ts';

/** The label HF's cross-entropy skips. */
export const IGNORED_LABEL = -100;

function labelMatrix(value: unknown, rows: number, vocab: number): number[][] {
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    value.some((r) => !Array.isArray(r) || r.length === 0 || r.length !== (value[0] as unknown[]).length)
  ) {
    throw new Bert4tfjsError(`input 'labels' must be a non-empty list of rows of one non-zero length`, 'bad-input');
  }
  const m = value as unknown[][];
  if (m.length !== rows) {
    throw new Bert4tfjsError(`input 'labels' has ${m.length} rows, input_ids has ${rows}`, 'bad-input');
  }
  m.forEach((r, i) =>
    r.forEach((x, j) => {
      if (!Number.isInteger(x) || (x !== IGNORED_LABEL && ((x as number) < 0 || (x as number) >= vocab))) {
        throw new Bert4tfjsError(
          `labels[${i}][${j}] = ${JSON.stringify(x)} is neither ${IGNORED_LABEL} nor a token id in [0, ${vocab})`,
          'bad-input',
        );
      }
    }),
  );
  if (m.every((r) => r.every((x) => x === IGNORED_LABEL))) {
    throw new Bert4tfjsError(
      `input 'labels' holds only ${IGNORED_LABEL}: there is no position to take a loss over`,
      'bad-input',
    );
  }
  return m as number[][];
}

/** Mean token cross-entropy of `logits` [batch, len, vocab] against `labels`, skipping -100 (core's masked CE). */
function seq2seqLoss(logits: tf.Tensor, labels: number[][]): tf.Scalar {
  return tf.tidy(() => {
    const keep = tf.tensor2d(
      labels.map((r) => r.map((x) => (x === IGNORED_LABEL ? 0 : 1))),
      undefined,
      'float32',
    );
    const targets = tf.tensor2d(
      labels.map((r) => r.map((x) => (x === IGNORED_LABEL ? 0 : x))),
      undefined,
      'int32',
    );
    return crossEntropy(targets, logits, { mask: keep, sparse: true });
  });
}

/**
 * Runs a T5 / mT5 on fixture-style inputs (entries that are not lists of rows, such as `note` or `texts`,
 * are descriptive and skipped).
 * Returns the outputs by name, with `loss` when `labels` is given; the caller disposes them.
 */
export function t5ForwardOutputs(built: TransformerModel, inputs: Record<string, unknown>): Record<string, tf.Tensor> {
  const feeds: ModelInputs = {};
  for (const [k, v] of Object.entries(inputs)) {
    // Lists of strings (the fixtures' `texts`) describe the inputs; lists of rows are inputs.
    if (k !== 'labels' && Array.isArray(v) && v.every((r) => Array.isArray(r))) feeds[k] = v as number[][];
  }
  if (inputs.labels === undefined) return runModel(built, feeds);
  const c = built.config as T5Config;
  if (!Array.isArray(inputs.input_ids)) throw new Bert4tfjsError(`inputs have no 'input_ids'`, 'bad-input');
  const labels = labelMatrix(inputs.labels, inputs.input_ids.length, c.vocabSize);
  if (feeds.decoder_input_ids === undefined) {
    const fed = labels.map((r) => r.map((x) => (x === IGNORED_LABEL ? c.padTokenId : x)));
    feeds.decoder_input_ids = shiftRight(fed, c.decoderStartTokenId);
  } else {
    const d = feeds.decoder_input_ids as number[][];
    if (d.length !== labels.length || d.some((r) => r.length !== labels[0].length)) {
      throw new Bert4tfjsError(
        `input 'labels' [${labels.length}, ${labels[0].length}] must have the shape of 'decoder_input_ids'`,
        'bad-input',
      );
    }
  }
  const out = runModel(built, feeds);
  try {
    out.loss = seq2seqLoss(out.lm_logits, labels);
  } catch (err) {
    tf.dispose(Object.values(out));
    throw err;
  }
  return out;
}
