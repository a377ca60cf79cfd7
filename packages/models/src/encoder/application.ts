/**
 * bert4keras's `application` build option for BERT-family encoders: 'encoder' (bidirectional, the
 * default), 'unilm' (UniLM seq2seq: the source segment, token type 0, attends bidirectionally; each
 * target token, type 1, attends to the source and the targets up to itself) or 'lm' (causal, query i
 * sees keys j <= i). The mask becomes an additive attention bias next to the padding mask.
 */
import type * as tf from '@tensorflow/tfjs';
import { AttentionMaskBias, Bert4tfjsError } from '@bert4tfjs/core';

/** The values of the `application` build option. */
export const APPLICATIONS = ['encoder', 'unilm', 'lm'] as const;

/** One of {@link APPLICATIONS}. */
export type Application = (typeof APPLICATIONS)[number];

/** Checks an `application` option; an unknown value is an error listing the valid ones. */
export function parseApplication(value: unknown): Application {
  if (value === undefined || value === null) return 'encoder';
  if (!(APPLICATIONS as readonly unknown[]).includes(value)) {
    throw new Bert4tfjsError(
      `application: expected one of ${APPLICATIONS.join(', ')}, got ${JSON.stringify(value)}`,
      'bad-argument',
    );
  }
  return value as Application;
}

/**
 * The attention bias [B, 1, L, L] of `application` computed from `tokenTypeIds` (layer
 * `Attention-Mask-<application>`), or null for the plain encoder.
 */
export function applicationBias(application: unknown, tokenTypeIds: tf.SymbolicTensor): tf.SymbolicTensor | null {
  const app = parseApplication(application);
  if (app === 'encoder') return null;
  return new AttentionMaskBias({ name: `Attention-Mask-${app}`, application: app }).apply(
    tokenTypeIds,
  ) as tf.SymbolicTensor;
}
