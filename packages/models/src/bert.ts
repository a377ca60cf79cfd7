/**
 * BERT (and WoBERT, RoBERTa-wwm: BERT checkpoints). Read top to bottom: the config, the embeddings, one
 * post-LayerNorm block repeated, the heads, and the weight map naming the Hugging Face tensor behind every
 * layer weight.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  Bert4tfjsError,
  readSafetensorsHeader,
  BiasAdd,
  ConditionalLayerNormalization,
  Dense,
  Embedding,
  FeedForward,
  LayerNormalization,
  MultiHeadAttention,
  PositionEmbedding,
  TakeToken,
  type AttentionOption,
} from '@bert4tfjs/core';
import { intKey, numKey, strKey, type RawConfig } from './config.ts';
import type { WeightMapping, WeightTransform } from './weights.ts';
import { applicationBias, type Application } from './application.ts';

/** BERT hyper-parameters (Hugging Face config.json keys, camel-cased). */
export interface BertConfig {
  vocabSize: number;
  hiddenSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  intermediateSize: number;
  hiddenAct: string;
  hiddenDropoutProb: number;
  attentionProbsDropoutProb: number;
  maxPositionEmbeddings: number;
  typeVocabSize: number;
  initializerRange: number;
  layerNormEps: number;
}

/** Reads a BERT config from config.json keys; `source` names the file in errors. */
export function parseBertConfig(cfg: RawConfig, source = 'config'): BertConfig {
  const c: BertConfig = {
    vocabSize: intKey(cfg, 'vocab_size', source),
    hiddenSize: intKey(cfg, 'hidden_size', source),
    numHiddenLayers: intKey(cfg, 'num_hidden_layers', source),
    numAttentionHeads: intKey(cfg, 'num_attention_heads', source),
    intermediateSize: intKey(cfg, 'intermediate_size', source),
    hiddenAct: strKey(cfg, 'hidden_act', source, 'gelu'),
    hiddenDropoutProb: numKey(cfg, 'hidden_dropout_prob', source, 0.1),
    attentionProbsDropoutProb: numKey(cfg, 'attention_probs_dropout_prob', source, 0.1),
    maxPositionEmbeddings: intKey(cfg, 'max_position_embeddings', source, 512),
    typeVocabSize: intKey(cfg, 'type_vocab_size', source, 2),
    initializerRange: numKey(cfg, 'initializer_range', source, 0.02),
    layerNormEps: numKey(cfg, 'layer_norm_eps', source, 1e-12),
  };
  if (c.hiddenSize % c.numAttentionHeads !== 0) {
    throw new Bert4tfjsError(
      `${source}: hidden_size ${c.hiddenSize} is not a multiple of num_attention_heads ${c.numAttentionHeads}`,
      'bad-config',
    );
  }
  return c;
}

/** The config.json keys of a BERT config (inverse of {@link parseBertConfig}). */
export function bertConfigToJson(c: BertConfig, modelType = 'bert'): RawConfig {
  return {
    model_type: modelType,
    vocab_size: c.vocabSize,
    hidden_size: c.hiddenSize,
    num_hidden_layers: c.numHiddenLayers,
    num_attention_heads: c.numAttentionHeads,
    intermediate_size: c.intermediateSize,
    hidden_act: c.hiddenAct,
    hidden_dropout_prob: c.hiddenDropoutProb,
    attention_probs_dropout_prob: c.attentionProbsDropoutProb,
    max_position_embeddings: c.maxPositionEmbeddings,
    type_vocab_size: c.typeVocabSize,
    initializer_range: c.initializerRange,
    layer_norm_eps: c.layerNormEps,
    pad_token_id: 0,
  };
}

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

/** Options of {@link BertBuildOptions.layerNormCond}. */
export interface LayerNormCondOptions {
  /** Size C of the condition vector. */
  size: number;
  /** Project the condition to this many units inside each norm first (bert4keras `hidden_units`). */
  hiddenUnits?: number | null;
  /** Activation of that projection. Default 'linear'. */
  hiddenActivation?: string;
}

/** The condition input and its options, threaded through the builders when conditional LN is on. */
export interface NormCondition {
  input: tf.SymbolicTensor;
  options: LayerNormCondOptions;
}

/** A layer norm named `name`: conditional when `condition` is given. */
export function makeLayerNorm(name: string, epsilon: number, condition?: NormCondition | null): tf.layers.Layer {
  if (!condition) return new LayerNormalization({ name, epsilon });
  const { hiddenUnits, hiddenActivation } = condition.options;
  return new ConditionalLayerNormalization({ name, epsilon, hiddenUnits, hiddenActivation });
}

/** Applies `norm` to `x`, with the condition as second input when there is one. */
export function applyLayerNorm(
  norm: tf.layers.Layer,
  x: tf.SymbolicTensor,
  condition?: NormCondition | null,
): tf.SymbolicTensor {
  return (condition ? norm.apply([x, condition.input]) : norm.apply(x)) as tf.SymbolicTensor;
}

/** The `condition` input for `opts.layerNormCond`, or null without it. */
export function conditionInput(opts: BertBuildOptions): NormCondition | null {
  const o = opts.layerNormCond;
  if (!o) return null;
  if (!Number.isInteger(o.size) || o.size < 1) {
    throw new Bert4tfjsError(
      `layerNormCond.size must be a positive integer, got ${JSON.stringify(o.size)}`,
      'bad-argument',
    );
  }
  return { input: tf.input({ shape: [o.size], dtype: 'float32', name: 'condition' }), options: o };
}

/** A built family: the tfjs model plus its input/output names and weight map. */
export interface FamilyBuild<C> {
  model: tf.LayersModel;
  config: C;
  inputNames: string[];
  outputNames: string[];
  weightMap: WeightMapping[];
  /** Prefix Hugging Face task models put before encoder names (`bert.`), tried both ways at load. */
  prefix: string;
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

/** Builds one post-LayerNorm Transformer block (BERT's) on `x`; returns its output. */
export function postNormBlock(
  x: tf.SymbolicTensor,
  mask: tf.SymbolicTensor,
  name: string,
  c: {
    hiddenSize: number;
    numAttentionHeads: number;
    intermediateSize: number;
    hiddenAct: string;
    hiddenDropoutProb: number;
    attentionProbsDropoutProb: number;
    initializerRange: number;
    layerNormEps: number;
  },
  attention: AttentionOption | undefined,
  shared?: { attn: tf.layers.Layer; attnNorm: tf.layers.Layer; ffn: tf.layers.Layer; ffnNorm: tf.layers.Layer },
  condition?: NormCondition | null,
  attentionBias?: tf.SymbolicTensor | null,
): tf.SymbolicTensor {
  const attn =
    shared?.attn ??
    new MultiHeadAttention({
      name: `${name}-MultiHeadSelfAttention`,
      heads: c.numAttentionHeads,
      headSize: c.hiddenSize / c.numAttentionHeads,
      maskInput: true,
      dropout: c.attentionProbsDropoutProb,
      initializerRange: c.initializerRange,
      attention,
      biasInput: !!attentionBias,
    });
  // An attention bias (UniLM / LM masks, see application.ts) goes after the padding mask.
  let a = attn.apply(attentionBias ? [x, mask, attentionBias] : [x, mask]) as tf.SymbolicTensor;
  a = tf.layers.dropout({ rate: c.hiddenDropoutProb }).apply(a) as tf.SymbolicTensor;
  const attnNorm = shared?.attnNorm ?? makeLayerNorm(`${name}-MultiHeadSelfAttention-Norm`, c.layerNormEps, condition);
  x = applyLayerNorm(attnNorm, tf.layers.add().apply([x, a]) as tf.SymbolicTensor, condition);
  const ffn =
    shared?.ffn ??
    new FeedForward({
      name: `${name}-FeedForward`,
      units: c.intermediateSize,
      activation: c.hiddenAct,
      initializerRange: c.initializerRange,
    });
  let f = ffn.apply(x) as tf.SymbolicTensor;
  f = tf.layers.dropout({ rate: c.hiddenDropoutProb }).apply(f) as tf.SymbolicTensor;
  const ffnNorm = shared?.ffnNorm ?? makeLayerNorm(`${name}-FeedForward-Norm`, c.layerNormEps, condition);
  return applyLayerNorm(ffnNorm, tf.layers.add().apply([x, f]) as tf.SymbolicTensor, condition);
}

/** Weight-map entries of one BERT block, layer `i`, from Hugging Face prefix `hf` (e.g. `bert.encoder.layer.0`). */
export function bertBlockWeights(name: string, hf: string): WeightMapping[] {
  const T: WeightTransform[] = [{ kind: 'transpose' }];
  const attn = `${name}-MultiHeadSelfAttention`;
  const m: WeightMapping[] = [];
  for (const [p, hfName] of [
    ['q', 'query'],
    ['k', 'key'],
    ['v', 'value'],
  ] as const) {
    m.push({ layer: attn, weight: `${p}_kernel`, source: `${hf}.attention.self.${hfName}.weight`, transforms: T });
    m.push({ layer: attn, weight: `${p}_bias`, source: `${hf}.attention.self.${hfName}.bias` });
  }
  m.push(
    { layer: attn, weight: 'o_kernel', source: `${hf}.attention.output.dense.weight`, transforms: T },
    { layer: attn, weight: 'o_bias', source: `${hf}.attention.output.dense.bias` },
    { layer: `${attn}-Norm`, weight: 'gamma', source: `${hf}.attention.output.LayerNorm.weight` },
    { layer: `${attn}-Norm`, weight: 'beta', source: `${hf}.attention.output.LayerNorm.bias` },
    { layer: `${name}-FeedForward`, weight: 'inner_kernel', source: `${hf}.intermediate.dense.weight`, transforms: T },
    { layer: `${name}-FeedForward`, weight: 'inner_bias', source: `${hf}.intermediate.dense.bias` },
    { layer: `${name}-FeedForward`, weight: 'outer_kernel', source: `${hf}.output.dense.weight`, transforms: T },
    { layer: `${name}-FeedForward`, weight: 'outer_bias', source: `${hf}.output.dense.bias` },
    { layer: `${name}-FeedForward-Norm`, weight: 'gamma', source: `${hf}.output.LayerNorm.weight` },
    { layer: `${name}-FeedForward-Norm`, weight: 'beta', source: `${hf}.output.LayerNorm.bias` },
  );
  return m;
}

/**
 * The pooler / MLM / NSP heads shared by BERT-like families. `tokenEmbedding` is reused (tied) as the MLM
 * output projection. Returns the extra outputs with their names, and their weight-map entries.
 */
export function bertHeads(
  hidden: tf.SymbolicTensor,
  tokenEmbedding: Embedding,
  c: BertConfig & { embeddingSize?: number },
  opts: BertBuildOptions,
  hf: { pooler: string; mlm: string; nsp: string; nspName: string; mlmBias: string },
  condition?: NormCondition | null,
): { outputs: tf.SymbolicTensor[]; names: string[]; weights: WeightMapping[] } {
  const T: WeightTransform[] = [{ kind: 'transpose' }];
  const outputs: tf.SymbolicTensor[] = [];
  const names: string[] = [];
  const weights: WeightMapping[] = [];
  const numLabels = opts.numLabels ?? 0;
  const withPool = opts.withPool || opts.withNsp || numLabels > 0;
  if (withPool) {
    const cls = new TakeToken({ name: 'Pooler', index: 0 }).apply(hidden) as tf.SymbolicTensor;
    const pooled = new Dense({
      name: 'Pooler-Dense',
      units: c.hiddenSize,
      activation: 'tanh',
      initializerRange: c.initializerRange,
    }).apply(cls) as tf.SymbolicTensor;
    weights.push(
      { layer: 'Pooler-Dense', weight: 'kernel', source: `${hf.pooler}.weight`, transforms: T },
      { layer: 'Pooler-Dense', weight: 'bias', source: `${hf.pooler}.bias` },
    );
    if (opts.withPool) {
      outputs.push(pooled);
      names.push('pooler_output');
    }
    if (opts.withNsp) {
      outputs.push(
        new Dense({ name: 'NSP-Proba', units: 2, initializerRange: c.initializerRange }).apply(
          pooled,
        ) as tf.SymbolicTensor,
      );
      names.push(hf.nspName);
      weights.push(
        { layer: 'NSP-Proba', weight: 'kernel', source: `${hf.nsp}.weight`, transforms: T },
        { layer: 'NSP-Proba', weight: 'bias', source: `${hf.nsp}.bias` },
      );
    }
    if (numLabels > 0) {
      const dropped = tf.layers
        .dropout({ rate: c.hiddenDropoutProb, name: 'Classifier-Dropout' })
        .apply(pooled) as tf.SymbolicTensor;
      outputs.push(
        new Dense({ name: 'Classifier', units: numLabels, initializerRange: c.initializerRange }).apply(
          dropped,
        ) as tf.SymbolicTensor,
      );
      names.push('logits');
      weights.push(
        // Optional: fine-tuning a pretrained encoder adds a fresh classifier its checkpoint lacks.
        { layer: 'Classifier', weight: 'kernel', source: 'classifier.weight', transforms: T, optional: true },
        { layer: 'Classifier', weight: 'bias', source: 'classifier.bias', optional: true },
      );
    }
  }
  if (opts.withMlm) {
    const e = c.embeddingSize ?? c.hiddenSize;
    let m = new Dense({
      name: 'MLM-Dense',
      units: e,
      activation: c.hiddenAct,
      initializerRange: c.initializerRange,
    }).apply(hidden) as tf.SymbolicTensor;
    m = applyLayerNorm(makeLayerNorm('MLM-Norm', c.layerNormEps, condition), m, condition);
    m = tokenEmbedding.apply(m) as tf.SymbolicTensor;
    m = new BiasAdd({ name: 'MLM-Bias' }).apply(m) as tf.SymbolicTensor;
    outputs.push(m);
    names.push('mlm_logits');
    weights.push(
      { layer: 'MLM-Dense', weight: 'kernel', source: `${hf.mlm}.transform.dense.weight`, transforms: T },
      { layer: 'MLM-Dense', weight: 'bias', source: `${hf.mlm}.transform.dense.bias` },
      { layer: 'MLM-Norm', weight: 'gamma', source: `${hf.mlm}.transform.LayerNorm.weight` },
      { layer: 'MLM-Norm', weight: 'beta', source: `${hf.mlm}.transform.LayerNorm.bias` },
      { layer: 'MLM-Bias', weight: 'bias', source: hf.mlmBias, transforms: vocabTransforms(opts) },
    );
  }
  return { outputs, names, weights };
}

/** The three integer inputs every BERT-like encoder takes. */
export function bertInputs(): { ids: tf.SymbolicTensor; segments: tf.SymbolicTensor; mask: tf.SymbolicTensor } {
  return {
    ids: tf.input({ shape: [null], dtype: 'int32', name: 'input_ids' }),
    segments: tf.input({ shape: [null], dtype: 'int32', name: 'token_type_ids' }),
    mask: tf.input({ shape: [null], dtype: 'float32', name: 'attention_mask' }),
  };
}

/** Which heads a BERT checkpoint with these tensor names carries (`withClassifier`: a sequence-classification head). */
export function bertHeadsFromTensorNames(names: string[]): Record<string, boolean> {
  return {
    withPool: names.some((n) => n.endsWith('pooler.dense.weight')),
    withMlm: names.includes('cls.predictions.bias'),
    withNsp: names.includes('cls.seq_relationship.weight'),
    withClassifier: names.includes('classifier.weight'),
  };
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
  if (typeof path !== 'string' || !existsSync(path)) return 0;
  const file = statSync(path).isDirectory() ? join(path, 'model.safetensors') : path;
  if (!existsSync(file)) return 0;
  const entry = readSafetensorsHeader(file).tensors.get('classifier.weight');
  return entry ? entry.shape[0] : 0;
}

/** Builds a BERT with optional pooler, MLM, NSP and sequence-classification heads. */
export function buildBert(c: BertConfig, opts: BertBuildOptions = {}): FamilyBuild<BertConfig> {
  opts = { ...opts, numLabels: resolveNumLabels(opts) || null };
  const { ids, segments, mask } = bertInputs();
  const condition = conditionInput(opts);
  const attentionBias = applicationBias(opts.application, segments);
  const tokenEmbedding = new Embedding({
    name: 'Embedding-Token',
    inputDim: effectiveVocabSize(c.vocabSize, opts),
    outputDim: c.hiddenSize,
    initializerRange: c.initializerRange,
  });
  let x = tokenEmbedding.apply(ids) as tf.SymbolicTensor;
  const s = new Embedding({
    name: 'Embedding-Segment',
    inputDim: c.typeVocabSize,
    outputDim: c.hiddenSize,
    initializerRange: c.initializerRange,
  }).apply(segments) as tf.SymbolicTensor;
  x = tf.layers.add({ name: 'Embedding-Token-Segment' }).apply([x, s]) as tf.SymbolicTensor;
  x = new PositionEmbedding({
    name: 'Embedding-Position',
    maxPositions: c.maxPositionEmbeddings,
    outputDim: c.hiddenSize,
    initializerRange: c.initializerRange,
  }).apply(x) as tf.SymbolicTensor;
  x = applyLayerNorm(makeLayerNorm('Embedding-Norm', c.layerNormEps, condition), x, condition);
  x = tf.layers.dropout({ rate: c.hiddenDropoutProb, name: 'Embedding-Dropout' }).apply(x) as tf.SymbolicTensor;

  const weightMap: WeightMapping[] = [
    {
      layer: 'Embedding-Token',
      weight: 'embeddings',
      source: 'bert.embeddings.word_embeddings.weight',
      transforms: vocabTransforms(opts),
    },
    { layer: 'Embedding-Segment', weight: 'embeddings', source: 'bert.embeddings.token_type_embeddings.weight' },
    { layer: 'Embedding-Position', weight: 'embeddings', source: 'bert.embeddings.position_embeddings.weight' },
    { layer: 'Embedding-Norm', weight: 'gamma', source: 'bert.embeddings.LayerNorm.weight' },
    { layer: 'Embedding-Norm', weight: 'beta', source: 'bert.embeddings.LayerNorm.bias' },
  ];
  for (let i = 0; i < c.numHiddenLayers; i++) {
    x = postNormBlock(x, mask, `Transformer-${i}`, c, opts.attention, undefined, condition, attentionBias);
    weightMap.push(...bertBlockWeights(`Transformer-${i}`, `bert.encoder.layer.${i}`));
  }
  const heads = bertHeads(
    x,
    tokenEmbedding,
    c,
    opts,
    {
      pooler: 'bert.pooler.dense',
      mlm: 'cls.predictions',
      nsp: 'cls.seq_relationship',
      nspName: 'nsp_logits',
      mlmBias: 'cls.predictions.bias',
    },
    condition,
  );
  weightMap.push(...heads.weights);
  const inputs = condition ? [ids, segments, mask, condition.input] : [ids, segments, mask];
  const model = tf.model({ inputs, outputs: [x, ...heads.outputs], name: 'bert' });
  return {
    model,
    config: c,
    inputNames: ['input_ids', 'token_type_ids', 'attention_mask', ...(condition ? ['condition'] : [])],
    outputNames: ['last_hidden_state', ...heads.names],
    weightMap,
    prefix: 'bert.',
  };
}
