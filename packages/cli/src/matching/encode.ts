/**
 * Sentence pairs to model inputs. A cross-encoder reads one sequence `[CLS] a [SEP] b [SEP]`; a
 * bi-encoder reads `[CLS] a [SEP]` and `[CLS] b [SEP]` separately. Batches pad to their longest row.
 */
import { sequencePadding, toTensorBatch, type TensorBatch } from '@bert4tfjs/core';
import type { Tokenizer } from '@bert4tfjs/tokenizers';
import type { MatchingPair } from '../data/matching-files.ts';

/** Which model reads the pairs. */
export type MatchingObjective = 'cross-encoder' | 'cross-encoder-cosent' | 'cosent' | 'contrastive';

/** The objectives `train-matching` accepts. */
export const OBJECTIVES: readonly MatchingObjective[] = [
  'cross-encoder',
  'cross-encoder-cosent',
  'cosent',
  'contrastive',
];

/** Whether `objective` reads a pair as one joint sequence (a cross-encoder) rather than two (a bi-encoder). */
export function isCrossEncoder(objective: MatchingObjective): boolean {
  return objective === 'cross-encoder' || objective === 'cross-encoder-cosent';
}

/** One tokenized sequence. */
export interface EncodedSeq {
  ids: number[];
  types: number[];
}

/** A tokenized pair: `joint` for the cross-encoder, `a`/`b` for the bi-encoder. */
export interface EncodedPair {
  pair: MatchingPair;
  joint?: EncodedSeq;
  a?: EncodedSeq;
  b?: EncodedSeq;
}

/** Tokenizes pairs for `objective`, truncating to `maxLength` tokens per sequence. */
export function encodePairs(
  tokenizer: Tokenizer,
  pairs: readonly MatchingPair[],
  objective: MatchingObjective,
  maxLength: number,
): EncodedPair[] {
  const one = (a: string, b?: string): EncodedSeq => {
    const e = tokenizer.encode(a, b, { maxLength });
    return { ids: e.inputIds, types: e.tokenTypeIds };
  };
  return pairs.map((pair) =>
    isCrossEncoder(objective) ? { pair, joint: one(pair.a, pair.b) } : { pair, a: one(pair.a), b: one(pair.b) },
  );
}

/** Padded `input_ids`, `token_type_ids`, `attention_mask` rows of sequences, keys prefixed with `prefix`. */
export function padSequences(seqs: readonly EncodedSeq[], prefix = ''): Record<string, number[][]> {
  return {
    [`${prefix}input_ids`]: sequencePadding(seqs.map((s) => s.ids)),
    [`${prefix}token_type_ids`]: sequencePadding(seqs.map((s) => s.types)),
    [`${prefix}attention_mask`]: sequencePadding(seqs.map((s) => s.ids.map(() => 1))),
  };
}

/**
 * A training batch: cross-encoder keys `input_ids`/`token_type_ids`/`attention_mask`, bi-encoder keys
 * `a_...`/`b_...`, plus `labels` (int32 class ids for a classifier, float32 otherwise).
 */
export function collatePairs(
  examples: readonly EncodedPair[],
  objective: MatchingObjective,
  intLabels: boolean,
): TensorBatch {
  const arrays = isCrossEncoder(objective)
    ? padSequences(examples.map((e) => e.joint!))
    : {
        ...padSequences(
          examples.map((e) => e.a!),
          'a_',
        ),
        ...padSequences(
          examples.map((e) => e.b!),
          'b_',
        ),
      };
  const dtypes: Record<string, 'int32' | 'float32'> = { labels: intLabels ? 'int32' : 'float32' };
  for (const k of Object.keys(arrays)) dtypes[k] = k.endsWith('attention_mask') ? 'float32' : 'int32';
  return toTensorBatch({ ...arrays, labels: examples.map((e) => e.pair.label) }, dtypes);
}

/** Longest sequence length of an encoded pair (for length bucketing). */
export function pairLength(e: EncodedPair): number {
  return e.joint ? e.joint.ids.length : Math.max(e.a!.ids.length, e.b!.ids.length);
}
