/**
 * Builds NEZHA (Hugging Face transformers 4.30 `NezhaModel` / `NezhaForPreTraining`, checked to 1e-4
 * against it): word + segment embeddings and a norm — no absolute positions — then BERT's post-norm
 * blocks whose attention adds NEZHA's functional relative positions to keys and values (core's
 * `nezha-relative` kernel), then BERT's heads under `nezha.` names. The sinusoid is computed for every
 * length, so sequences longer than `max_position_embeddings` run too (Hugging Face's stored buffer stops
 * there).
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError, Embedding, type AttentionOption } from '@bert4tfjs/core';
import { bertBlockWeights } from '../bert/model.ts';
import {
  effectiveVocabSize,
  resolveNumLabels,
  vocabTransforms,
  type BertBuildOptions,
} from '../encoder/build-options.ts';
import { bertHeads, bertInputs } from '../encoder/heads.ts';
import { applyLayerNorm, conditionInput, makeLayerNorm } from '../encoder/layer-norm.ts';
import { postNormBlock } from '../encoder/post-norm-block.ts';
import type { FamilyBuild } from '../family.ts';
import type { EncoderInternals } from '../encoder-internals.ts';
import type { WeightMapping } from '../weights.ts';
import type { NezhaConfig } from './config.ts';

/** A NEZHA build: the family build plus where its hidden states and attentions are. */
export type NezhaBuild = FamilyBuild<NezhaConfig> & { internals: EncoderInternals };

/** Builds a NEZHA with optional pooler, MLM, NSP and sequence-classification heads. */
export function buildNezha(c: NezhaConfig, opts: BertBuildOptions = {}): NezhaBuild {
  if (opts.attention && opts.attention.type !== 'softmax' && opts.attention.type !== 'nezha-relative') {
    throw new Bert4tfjsError(
      `nezha: option 'attention: ${opts.attention.type}' is not supported (relative positions are applied inside the softmax kernel)`,
      'bad-argument',
    );
  }
  const attention: AttentionOption = { type: 'nezha-relative', maxRelativePosition: c.maxRelativePosition };
  opts = { ...opts, numLabels: resolveNumLabels(opts) || null };
  const { ids, segments, mask } = bertInputs();
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
  x = applyLayerNorm(makeLayerNorm('Embedding-Norm', c.layerNormEps, condition), x, condition);
  x = tf.layers.dropout({ rate: c.hiddenDropoutProb, name: 'Embedding-Dropout' }).apply(x) as tf.SymbolicTensor;
  const weightMap: WeightMapping[] = [
    {
      layer: 'Embedding-Token',
      weight: 'embeddings',
      source: 'nezha.embeddings.word_embeddings.weight',
      transforms: vocabTransforms(opts),
    },
    { layer: 'Embedding-Segment', weight: 'embeddings', source: 'nezha.embeddings.token_type_embeddings.weight' },
    { layer: 'Embedding-Norm', weight: 'gamma', source: 'nezha.embeddings.LayerNorm.weight' },
    { layer: 'Embedding-Norm', weight: 'beta', source: 'nezha.embeddings.LayerNorm.bias' },
  ];
  const internals: EncoderInternals = { hiddenStateLayers: ['Embedding-Dropout'], attentionLayers: [] };
  for (let i = 0; i < c.numHiddenLayers; i++) {
    const name = `Transformer-${i}`;
    x = postNormBlock(x, mask, name, c, attention, undefined, condition);
    weightMap.push(...bertBlockWeights(name, `nezha.encoder.layer.${i}`));
    internals.hiddenStateLayers.push(`${name}-FeedForward-Norm`);
    internals.attentionLayers.push(`${name}-MultiHeadSelfAttention`);
  }
  const heads = bertHeads(
    x,
    tokenEmbedding,
    c,
    opts,
    {
      pooler: 'nezha.pooler.dense',
      mlm: 'cls.predictions',
      nsp: 'cls.seq_relationship',
      nspName: 'nsp_logits',
      mlmBias: 'cls.predictions.bias',
    },
    condition,
  );
  weightMap.push(...heads.weights);
  const inputs = condition ? [ids, segments, mask, condition.input] : [ids, segments, mask];
  return {
    model: tf.model({ inputs, outputs: [x, ...heads.outputs], name: 'nezha' }),
    config: c,
    inputNames: ['input_ids', 'token_type_ids', 'attention_mask', ...(condition ? ['condition'] : [])],
    outputNames: ['last_hidden_state', ...heads.names],
    weightMap,
    prefix: 'nezha.',
    internals,
  };
}
