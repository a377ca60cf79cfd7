/** Padding of a batch of id rows into the `{ inputIds, attentionMask }` shape of a Hugging Face call. */
import { TokenizerError } from '../wordpiece/errors.ts';

/** `true`/`'longest'`: pad to the longest row; `'max_length'`: to `maxLength`; `false`: leave rows ragged. */
export type SentencePiecePadding = boolean | 'longest' | 'max_length';

/** A batch: ids per row and a mask that is 1 on tokens, 0 on padding. */
export interface SentencePieceBatch {
  inputIds: number[][];
  attentionMask: number[][];
}

/**
 * Right-pads rows with `padId`. Rows already longer than the target stay as they are.
 * @throws TokenizerError when padding is asked for and the model has no pad id, or 'max_length' lacks maxLength.
 */
export function padSentencePieceBatch(
  rows: number[][],
  padding: SentencePiecePadding,
  padId: number,
  maxLength: number | undefined,
): SentencePieceBatch {
  let target = 0;
  if (padding === true || padding === 'longest') {
    target = rows.reduce((m, r) => Math.max(m, r.length), 0);
  } else if (padding === 'max_length') {
    if (maxLength === undefined)
      throw new TokenizerError(
        `call(texts, { padding: 'max_length' }): maxLength is required with padding 'max_length'`,
      );
    target = maxLength;
  } else if (padding !== false) {
    throw new TokenizerError(
      `call(texts, { padding }): expected true, false, 'longest' or 'max_length', got ${String(padding)}`,
    );
  }
  const needsPad = rows.some((r) => r.length < target);
  if (needsPad && padId < 0) {
    throw new TokenizerError(
      `call(texts, { padding }): this SentencePiece model has no pad piece, so rows cannot be padded`,
    );
  }
  const inputIds = rows.map((r) =>
    r.length < target ? [...r, ...new Array<number>(target - r.length).fill(padId)] : r,
  );
  const attentionMask = rows.map((r) => {
    const mask = new Array<number>(Math.max(r.length, target)).fill(0);
    mask.fill(1, 0, r.length);
    return mask;
  });
  return { inputIds, attentionMask };
}
