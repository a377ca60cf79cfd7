/**
 * BERT (and WoBERT, RoBERTa-wwm: BERT checkpoints). Read top to bottom: the embeddings, one
 * post-LayerNorm block repeated, the heads, and the weight map naming the Hugging Face tensor behind every
 * layer weight.
 */
import * as tf from '@tensorflow/tfjs';
import { Embedding, PositionEmbedding } from '@bert4tfjs/core';
import type { FamilyBuild } from '../family.ts';
import type { WeightMapping, WeightTransform } from '../weights.ts';
import {
  type BertBuildOptions,
  effectiveVocabSize,
  resolveNumLabels,
  vocabTransforms,
} from '../encoder/build-options.ts';
import { bertHeads, bertInputs } from '../encoder/heads.ts';
import { applyLayerNorm, conditionInput, makeLayerNorm } from '../encoder/layer-norm.ts';
import { postNormBlock } from '../encoder/post-norm-block.ts';
import { applicationBias } from '../encoder/application.ts';
import type { BertConfig } from './config.ts';

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

/** Which heads a BERT checkpoint with these tensor names carries (`withClassifier`: a sequence-classification head). */
export function bertHeadsFromTensorNames(names: string[]): Record<string, boolean> {
  return {
    withPool: names.some((n) => n.endsWith('pooler.dense.weight')),
    withMlm: names.includes('cls.predictions.bias'),
    withNsp: names.includes('cls.seq_relationship.weight'),
    withClassifier: names.includes('classifier.weight'),
  };
}

/** Builds a BERT with optional pooler, MLM, NSP and sequence-classification heads. */
export function buildBert(c: BertConfig, opts: BertBuildOptions = {}): FamilyBuild<BertConfig> {
  opts = { ...opts, numLabels: resolveNumLabels(opts) || null };
  const { ids, segments, mask } = bertInputs();
  const attentionBias = applicationBias(opts.application, segments);
  const condition = conditionInput(opts.layerNormCond);
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
