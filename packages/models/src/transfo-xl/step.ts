/**
 * Driving a Transformer-XL segment by segment: `step` checks its inputs, supplies the zero memory of a
 * fresh stream, runs the model and hands back the memories for the next segment; `transfoXlForward` is
 * the `bert4tfjs forward` hook that feeds the segments of one stream in order.
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '@bert4tfjs/core';
import type { TransformerModel } from '../family.ts';
import type { TransfoXlConfig } from './config.ts';

/** What one step returns. The caller owns (and disposes) every tensor. */
export interface TransfoXlStepResult {
  /** Last layer's output `[B, L, d_model]`. */
  hidden: tf.Tensor3D;
  /** `[B, L, vocab]` (null when built without the LM head). See XlAdaptiveEmbedding.logits. */
  logits: tf.Tensor3D | null;
  /**
   * Memories for the next segment, one per layer, `[B, min(mem_len, M + L), d_model]` (batch-first;
   * Hugging Face's `mems` are `[M, B, d]`): the last mem_len positions of (old memory ++ that layer's
   * input). Constants: no gradient flows through them. Empty when mem_len is 0.
   */
  mems: tf.Tensor3D[];
}

/** Options of one step. */
export interface TransfoXlStepOptions {
  /** Dropout on (training mode); use inside tf.variableGrads. Default false. */
  training?: boolean;
}

/**
 * Runs one segment `tokenIds` `[B, L]` (number[][] or an int32 tensor) after memories `mems` (one
 * `[B, M, d_model]` tensor per layer, M <= mem_len, as returned by the previous step). `null`,
 * `undefined` or `[]` starts a stream: the memory is then mem_len zero vectors per layer, as in the
 * reference implementations. Inputs are not disposed.
 */
export type TransfoXlStep = (
  tokenIds: number[][] | tf.Tensor,
  mems?: tf.Tensor[] | null,
  options?: TransfoXlStepOptions,
) => TransfoXlStepResult;

function checkIds(ids: number[][] | tf.Tensor, vocab: number): { tensor: tf.Tensor2D; owned: boolean } {
  if (ids instanceof tf.Tensor) {
    if (ids.rank !== 2 || ids.dtype !== 'int32') {
      throw new Bert4tfjsError(
        `transfo-xl step: token ids must be an int32 tensor [batch, length], got ${ids.dtype} [${ids.shape}]`,
        'bad-input',
      );
    }
    if (ids.size === 0) throw new Bert4tfjsError('transfo-xl step: token ids are empty', 'bad-input');
    const values = ids.dataSync();
    const bad = values.findIndex((v) => v < 0 || v >= vocab);
    if (bad >= 0)
      throw new Bert4tfjsError(
        `transfo-xl step: token id ${values[bad]} (flat index ${bad}) is outside the vocabulary [0, ${vocab})`,
        'bad-input',
      );
    return { tensor: ids as tf.Tensor2D, owned: false };
  }
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((r) => Array.isArray(r))) {
    throw new Bert4tfjsError(
      'transfo-xl step: token ids must be a non-empty list of lists of integers [batch][length]',
      'bad-input',
    );
  }
  const len = ids[0].length;
  if (len === 0) throw new Bert4tfjsError('transfo-xl step: token id rows are empty', 'bad-input');
  ids.forEach((row, i) => {
    if (row.length !== len)
      throw new Bert4tfjsError(
        `transfo-xl step: row ${i} has ${row.length} ids, row 0 has ${len} (segments have no padding)`,
        'bad-input',
      );
    row.forEach((v, j) => {
      if (!Number.isInteger(v) || v < 0 || v >= vocab) {
        throw new Bert4tfjsError(
          `transfo-xl step: ids[${i}][${j}] = ${JSON.stringify(v)} is not an integer in the vocabulary [0, ${vocab})`,
          'bad-input',
        );
      }
    });
  });
  return { tensor: tf.tensor2d(ids, [ids.length, len], 'int32'), owned: true };
}

function checkMems(mems: tf.Tensor[], c: TransfoXlConfig, batch: number): void {
  if (c.memLen === 0) {
    throw new Bert4tfjsError(
      `transfo-xl step: this model has mem_len 0 (no memory), but ${mems.length} memory tensor(s) were passed; pass null or []`,
      'bad-input',
    );
  }
  if (mems.length !== c.nLayer) {
    throw new Bert4tfjsError(
      `transfo-xl step: expected ${c.nLayer} memory tensors (one per layer), got ${mems.length}`,
      'bad-input',
    );
  }
  const m0 = mems[0].shape[1];
  mems.forEach((m, i) => {
    if (!(m instanceof tf.Tensor) || m.isDisposed)
      throw new Bert4tfjsError(`transfo-xl step: memory ${i} is not a live tensor`, 'bad-input');
    const ok =
      m.rank === 3 &&
      m.dtype === 'float32' &&
      m.shape[0] === batch &&
      m.shape[2] === c.dModel &&
      m.shape[1] === m0 &&
      (m.shape[1] as number) >= 1 &&
      (m.shape[1] as number) <= c.memLen;
    if (!ok) {
      throw new Bert4tfjsError(
        `transfo-xl step: memory ${i} has ${m.dtype} shape [${m.shape}], expected float32 [${batch}, M, ${c.dModel}] with 1 <= M <= mem_len ${c.memLen}, the same M for every layer, and batch ${batch} as the token ids`,
        'bad-shape',
      );
    }
  });
}

/** Makes the `step` function of a built Transformer-XL (see {@link TransfoXlStep}). */
export function makeTransfoXlStep(model: tf.LayersModel, c: TransfoXlConfig, withLmHead: boolean): TransfoXlStep {
  return (tokenIds, mems, options = {}) => {
    const { tensor: ids, owned } = checkIds(tokenIds, c.vocabSize);
    try {
      const batch = ids.shape[0];
      const given = mems ?? [];
      if (given.length > 0) checkMems(given, c, batch);
      const list = tf.tidy(() => {
        const memIn =
          c.memLen === 0
            ? []
            : given.length > 0
              ? given
              : Array.from({ length: c.nLayer }, () => tf.zeros([batch, c.memLen, c.dModel]));
        const out = model.apply([ids, ...memIn], { training: options.training === true }) as tf.Tensor | tf.Tensor[];
        return Array.isArray(out) ? out : [out];
      });
      const offset = withLmHead ? 2 : 1;
      return {
        hidden: list[0] as tf.Tensor3D,
        logits: withLmHead ? (list[1] as tf.Tensor3D) : null,
        mems: list.slice(offset) as tf.Tensor3D[],
      };
    } finally {
      if (owned) ids.dispose();
    }
  };
}

/** The `step` of a built model; an error if `built` is not a Transformer-XL. */
export function transfoXlStepOf(built: TransformerModel): TransfoXlStep {
  if (typeof built.step !== 'function')
    throw new Bert4tfjsError(`a ${built.family} model has no Transformer-XL step`, 'bad-argument');
  return built.step as TransfoXlStep;
}

function isIdMatrix(v: unknown): v is number[][] {
  return Array.isArray(v) && v.length > 0 && v.every((r) => Array.isArray(r) && r.every((x) => typeof x === 'number'));
}

/**
 * `bert4tfjs forward` for Transformer-XL. Inputs: `{"segments": [seg1, seg2, ...]}`, each segment a
 * batch-first `[B, L]` id matrix of the same stream (same B), fed in order with memories carried; or a
 * single `{"input_ids": [...]}`. Outputs, K from 1: `segK.last_hidden_state` [B, L, d],
 * `segK.logits` and `segK.log_probs` [B, L, V], `segK.mems_out.{layer}` in Hugging Face's [M, B, d].
 */
export function transfoXlForward(built: TransformerModel, inputs: Record<string, unknown>): Record<string, tf.Tensor> {
  const step = transfoXlStepOf(built);
  let segments: unknown;
  if (inputs.segments !== undefined) segments = inputs.segments;
  else if (inputs.input_ids !== undefined) segments = [inputs.input_ids];
  else
    throw new Bert4tfjsError(
      `transfo-xl inputs need "segments" (a list of [batch][length] id matrices) or "input_ids" (got ${Object.keys(inputs).join(', ') || 'nothing'})`,
      'bad-input',
    );
  if (!Array.isArray(segments) || segments.length === 0)
    throw new Bert4tfjsError('transfo-xl inputs: "segments" must be a non-empty list of id matrices', 'bad-input');
  segments.forEach((s, k) => {
    if (!isIdMatrix(s))
      throw new Bert4tfjsError(
        `transfo-xl inputs: segment ${k + 1} is not a [batch][length] list of integer lists`,
        'bad-input',
      );
    if (s.length !== (segments as number[][][])[0].length) {
      throw new Bert4tfjsError(
        `transfo-xl inputs: segment ${k + 1} has batch ${s.length}, segment 1 has ${(segments as number[][][])[0].length} (segments are consecutive pieces of the same ${(segments as number[][][])[0].length} streams)`,
        'bad-input',
      );
    }
  });
  const out: Record<string, tf.Tensor> = {};
  let mems: tf.Tensor[] | null = null;
  try {
    (segments as number[][][]).forEach((seg, k) => {
      const r = step(seg, mems);
      if (mems) tf.dispose(mems);
      mems = r.mems;
      const p = `seg${k + 1}`;
      out[`${p}.last_hidden_state`] = r.hidden;
      if (r.logits) {
        out[`${p}.logits`] = r.logits;
        out[`${p}.log_probs`] = tf.logSoftmax(r.logits);
      }
      r.mems.forEach((m, i) => {
        out[`${p}.mems_out.${i}`] = tf.transpose(m, [1, 0, 2]);
      });
    });
  } catch (err) {
    tf.dispose(Object.values(out));
    throw err;
  } finally {
    if (mems) tf.dispose(mems);
  }
  return out;
}
