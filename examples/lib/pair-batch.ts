/**
 * Sentence-pair batches for bi-encoders: each pair's two sentences tokenised on their own, padded to the
 * batch's longest, as `a_*` and `b_*` inputs (ids, token types, float mask) plus float labels.
 */
import type * as tf from '@tensorflow/tfjs';
import { sequencePadding, toTensorBatch } from '@bert4tfjs/core';
import type { Tokenizer } from '@bert4tfjs/tokenizers';
import type { MatchingPair } from 'bert4tfjs';

/** A pair's two sentences as token ids, and its label. */
export interface TokenisedPair {
  a: number[];
  b: number[];
  label: number;
}

/** Tokenises both sentences of every pair separately, each cut to `maxLength` tokens. */
export function tokenisePairs(tokenizer: Tokenizer, pairs: MatchingPair[], maxLength: number): TokenisedPair[] {
  const ids = (text: string) => tokenizer.encode(text, undefined, { maxLength }).inputIds;
  return pairs.map((p) => ({ a: ids(p.a), b: ids(p.b), label: p.label }));
}

/** The batch tensors of `pairs`: `{a_,b_}{input_ids,token_type_ids,attention_mask}` and `labels`. */
export function collatePairs(pairs: TokenisedPair[]): Record<string, tf.Tensor> {
  const side = (ids: number[][], k: string) => ({
    [`${k}input_ids`]: sequencePadding(ids),
    [`${k}token_type_ids`]: sequencePadding(ids.map((x) => x.map(() => 0))),
    [`${k}attention_mask`]: sequencePadding(ids.map((x) => x.map(() => 1))),
  });
  return toTensorBatch(
    {
      ...side(
        pairs.map((p) => p.a),
        'a_',
      ),
      ...side(
        pairs.map((p) => p.b),
        'b_',
      ),
      labels: pairs.map((p) => p.label),
    },
    { a_attention_mask: 'float32', b_attention_mask: 'float32', labels: 'float32' },
  );
}
