/**
 * RoBERTa in Hugging Face's layout, read top to bottom. What differs from BERT: position ids come from
 * the padding (`PaddingOffsetPositionIds`: real tokens get pad+1, pad+2, …, padding gets pad), the
 * token-type table usually has one row, the pooler is optional (`RobertaForMaskedLM` has none) and the
 * MLM head is `lm_head` = decoder(LayerNorm(gelu(dense(h)))) + `lm_head.bias`, decoder tied to the word
 * embeddings. The blocks are BERT's.
 */
import * as tf from '@tensorflow/tfjs';
import {
  BiasAdd,
  Dense,
  Embedding,
  PaddingOffsetPositionEmbedding,
  PaddingOffsetPositionIds,
  TakeToken,
} from '@bert4tfjs/core';
import { applicationBias } from '../encoder/application.ts';
import { rejectUnsupportedOptions } from '../encoder/option-check.ts';
import type { FamilyBuild } from '../family.ts';
import { effectiveVocabSize, vocabTransforms, type BertBuildOptions } from '../encoder/build-options.ts';
import { bertInputs } from '../encoder/heads.ts';
import { applyLayerNorm, conditionInput, makeLayerNorm } from '../encoder/layer-norm.ts';
import { inspectionOutputs, postNormEncoderStack } from '../encoder/stack.ts';
import { makeInspectionModel, type InspectionModel } from '../encoder/inspection.ts';
import type { WeightMapping, WeightTransform } from '../weights.ts';
import type { RobertaConfig } from './config.ts';

/** The shared encoder options the RoBERTa builder honours (no NSP head; its classifier differs from BERT's). */
export const ROBERTA_OPTIONS = [
  'withPool',
  'withMlm',
  'attention',
  'keepTokens',
  'compoundTokens',
  'layerNormCond',
  'application',
] as const satisfies readonly (keyof BertBuildOptions)[];

/** RoBERTa built: the family build plus the inspection model (hidden states, attentions, position ids). */
export type RobertaBuild = FamilyBuild<RobertaConfig> & { inspection: InspectionModel };

/** Builds a RoBERTa encoder (Hugging Face layout) with optional pooler and MLM head. */
export function buildRoberta(c: RobertaConfig, opts: BertBuildOptions = {}): RobertaBuild {
  rejectUnsupportedOptions('roberta', ROBERTA_OPTIONS, opts);
  const T: WeightTransform[] = [{ kind: 'transpose' }];
  const { ids, segments, mask } = bertInputs();
  const condition = conditionInput(opts.layerNormCond);
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
  // Reported by the inspection model only (position_ids).
  const positionIds = new PaddingOffsetPositionIds({
    name: 'Position-Ids',
    padTokenId: c.padTokenId,
    maxPositions: c.maxPositionEmbeddings,
  }).apply(ids) as tf.SymbolicTensor;
  const p = new PaddingOffsetPositionEmbedding({
    name: 'Embedding-Position',
    padTokenId: c.padTokenId,
    maxPositions: c.maxPositionEmbeddings,
    outputDim: c.hiddenSize,
    initializerRange: c.initializerRange,
  }).apply(ids) as tf.SymbolicTensor;
  x = tf.layers.add({ name: 'Embedding-Token-Segment-Position' }).apply([x, s, p]) as tf.SymbolicTensor;
  x = applyLayerNorm(makeLayerNorm('Embedding-Norm', c.layerNormEps, condition), x, condition);
  x = tf.layers.dropout({ rate: c.hiddenDropoutProb, name: 'Embedding-Dropout' }).apply(x) as tf.SymbolicTensor;
  const weightMap: WeightMapping[] = [
    {
      layer: 'Embedding-Token',
      weight: 'embeddings',
      source: 'roberta.embeddings.word_embeddings.weight',
      transforms: vocabTransforms(opts),
    },
    { layer: 'Embedding-Segment', weight: 'embeddings', source: 'roberta.embeddings.token_type_embeddings.weight' },
    { layer: 'Embedding-Position', weight: 'embeddings', source: 'roberta.embeddings.position_embeddings.weight' },
    { layer: 'Embedding-Norm', weight: 'gamma', source: 'roberta.embeddings.LayerNorm.weight' },
    { layer: 'Embedding-Norm', weight: 'beta', source: 'roberta.embeddings.LayerNorm.bias' },
  ];
  const stack = postNormEncoderStack(x, mask, c, {
    hfLayer: (i) => `roberta.encoder.layer.${i}`,
    attention: opts.attention,
    condition,
    attentionBias,
  });
  weightMap.push(...stack.weights);
  const h = stack.output;

  const outputs: tf.SymbolicTensor[] = [h];
  const names = ['last_hidden_state'];
  if (opts.withPool) {
    const cls = new TakeToken({ name: 'Pooler', index: 0 }).apply(h) as tf.SymbolicTensor;
    outputs.push(
      new Dense({
        name: 'Pooler-Dense',
        units: c.hiddenSize,
        activation: 'tanh',
        initializerRange: c.initializerRange,
      }).apply(cls) as tf.SymbolicTensor,
    );
    names.push('pooler_output');
    weightMap.push(
      { layer: 'Pooler-Dense', weight: 'kernel', source: 'roberta.pooler.dense.weight', transforms: T },
      { layer: 'Pooler-Dense', weight: 'bias', source: 'roberta.pooler.dense.bias' },
    );
  }
  if (opts.withMlm) {
    // RobertaLMHead applies gelu whatever hidden_act says.
    let m = new Dense({
      name: 'MLM-Dense',
      units: c.hiddenSize,
      activation: 'gelu',
      initializerRange: c.initializerRange,
    }).apply(h) as tf.SymbolicTensor;
    m = applyLayerNorm(makeLayerNorm('MLM-Norm', c.layerNormEps, condition), m, condition);
    m = tokenEmbedding.apply(m) as tf.SymbolicTensor;
    outputs.push(new BiasAdd({ name: 'MLM-Bias' }).apply(m) as tf.SymbolicTensor);
    names.push('mlm_logits');
    weightMap.push(
      { layer: 'MLM-Dense', weight: 'kernel', source: 'lm_head.dense.weight', transforms: T },
      { layer: 'MLM-Dense', weight: 'bias', source: 'lm_head.dense.bias' },
      { layer: 'MLM-Norm', weight: 'gamma', source: 'lm_head.layer_norm.weight' },
      { layer: 'MLM-Norm', weight: 'beta', source: 'lm_head.layer_norm.bias' },
      { layer: 'MLM-Bias', weight: 'bias', source: 'lm_head.bias', transforms: vocabTransforms(opts) },
    );
  }
  const inputs = condition ? [ids, segments, mask, condition.input] : [ids, segments, mask];
  const inputNames = ['input_ids', 'token_type_ids', 'attention_mask', ...(condition ? ['condition'] : [])];
  const extra = inspectionOutputs(stack);
  return {
    model: tf.model({ inputs, outputs, name: 'roberta' }),
    config: c,
    inputNames,
    outputNames: names,
    weightMap,
    prefix: 'roberta.',
    inspection: makeInspectionModel(
      inputs,
      [...names, ...extra.names, 'position_ids'].map((n, i) => [n, [...outputs, ...extra.outputs, positionIds][i]]),
      'roberta_inspection',
    ),
  };
}
