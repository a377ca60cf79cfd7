/**
 * Build options shared by the BERT-like encoders (heads, attention kind, vocabulary surgery, conditional
 * layer norm, classifier) and the small helpers every such builder applies to them.
 */
import { Bert4tfjsError, type AttentionOption } from '@bert4tfjs/core';
import { joinPath, modelFiles } from '../files.ts';
import type { WeightTransform } from '../weights.ts';
import type { Application } from './application.ts';
import type { LayerNormCondOptions } from './layer-norm.ts';

/** What to build on top of the encoder. */
export interface BertBuildOptions {
  withPool?: boolean;
  withMlm?: boolean;
  withNsp?: boolean;
  attention?: AttentionOption;
  /** Vocabulary surgery: keep these token rows (new id i = old id keepTokens[i]). */
  keepTokens?: number[] | null;
  /** Append tokens whose embedding is the (weighted) mean of existing rows. */
  compoundTokens?: Array<number[] | { ids: number[]; weights?: number[] }> | null;
  /**
   * Conditional layer normalization (bert4keras `layer_norm_cond`): adds a float input `condition`
   * [B, size] and makes every layer norm conditional on it. Its projections start at zero, so a loaded
   * checkpoint gives the unconditioned outputs until training moves them.
   */
  layerNormCond?: LayerNormCondOptions | null;
  /**
   * Sequence-classification head (Hugging Face `BertForSequenceClassification`): pooler -> dropout ->
   * Dense(numLabels) as layer `Classifier` (tensors `classifier.weight` / `classifier.bias`), output `logits`.
   * 1 label is a regression head. Default: detected from the checkpoint being loaded (a `classifier.weight`
   * tensor gives its row count); null: never.
   */
  numLabels?: number | null;
  /**
   * bert4keras's `application`: 'encoder' (default, bidirectional), 'unilm' (seq2seq mask from
   * token_type_ids) or 'lm' (causal mask); see application.ts.
   */
  application?: Application;
}

/** Weight transforms for rows indexed by token id (embedding rows, MLM bias). */
export function vocabTransforms(opts: BertBuildOptions): WeightTransform[] {
  const t: WeightTransform[] = [];
  if (opts.keepTokens) t.push({ kind: 'rows', rows: opts.keepTokens });
  if (opts.compoundTokens?.length) {
    t.push({ kind: 'compound', groups: opts.compoundTokens.map((g) => (Array.isArray(g) ? { ids: g } : g)) });
  }
  return t;
}

/** The effective vocabulary size after surgery. */
export function effectiveVocabSize(vocabSize: number, opts: BertBuildOptions): number {
  return (opts.keepTokens ? opts.keepTokens.length : vocabSize) + (opts.compoundTokens?.length ?? 0);
}

/**
 * The classifier size to build: `opts.numLabels` when set (null: none), else the row count of the
 * `classifier.weight` tensor of the checkpoint being loaded (`checkpointPath`, file or directory), else 0.
 */
export function resolveNumLabels(opts: BertBuildOptions & { checkpointPath?: unknown }): number {
  if (opts.numLabels === null) return 0;
  if (opts.numLabels !== undefined) {
    if (!Number.isInteger(opts.numLabels) || opts.numLabels < 1) {
      throw new Bert4tfjsError(
        `numLabels must be a positive integer, got ${JSON.stringify(opts.numLabels)}`,
        'bad-argument',
      );
    }
    return opts.numLabels;
  }
  const path = opts.checkpointPath;
  if (typeof path !== 'string') return 0;
  const files = modelFiles('numLabels detection from checkpointPath');
  if (!files.exists(path)) return 0;
  const file = files.isDirectory(path) ? joinPath(path, 'model.safetensors') : path;
  if (!files.exists(file)) return 0;
  return files.tensorShape(file, 'classifier.weight')?.[0] ?? 0;
}
