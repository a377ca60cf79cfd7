/**
 * ELECTRA (Hugging Face 4.30 layout), read top to bottom: BERT's embeddings in width E, the E -> H
 * projection `electra.embeddings_project` (only when E != H, as Hugging Face builds it), BERT's
 * post-LayerNorm blocks, and the two pre-training heads:
 * - discriminator (`ElectraForPreTraining`): `discriminator_logits` [B, L] =
 *   dense_prediction(act(dense(h))).squeeze(-1), act = hidden_act;
 * - generator (`ElectraForMaskedLM`): `generator_logits` [B, L, V] = LayerNorm_E(gelu(dense_{H->E}(h)))
 *   times the word embeddings (tied, `generator_lm_head.weight` is not stored) + `generator_lm_head.bias`.
 */
import * as tf from '@tensorflow/tfjs';
import { BiasAdd, Dense, Embedding, PositionEmbedding } from '@bert4tfjs/core';
import { applicationBias } from '../encoder/application.ts';
import { rejectUnsupportedOptions } from '../encoder/option-check.ts';
import type { FamilyBuild } from '../family.ts';
import { effectiveVocabSize, vocabTransforms, type BertBuildOptions } from '../encoder/build-options.ts';
import { bertInputs } from '../encoder/heads.ts';
import { applyLayerNorm, conditionInput, makeLayerNorm } from '../encoder/layer-norm.ts';
import { inspectionOutputs, postNormEncoderStack } from '../encoder/stack.ts';
import { makeInspectionModel, type InspectionModel } from '../encoder/inspection.ts';
import type { WeightMapping, WeightTransform } from '../weights.ts';
import type { ElectraConfig } from './config.ts';

/** Build options of ELECTRA: BERT's encoder options, with its own two heads. */
export interface ElectraBuildOptions extends BertBuildOptions {
  /** The replaced-token-detection head (`discriminator_logits`). */
  withDiscriminator?: boolean;
  /** The masked-LM head of the generator (`generator_logits`); `withMlm` is an alias. */
  withGenerator?: boolean;
}

/** The shared encoder options the ELECTRA builder honours (`withMlm` is an alias of `withGenerator`). */
export const ELECTRA_OPTIONS = [
  'withMlm',
  'attention',
  'keepTokens',
  'compoundTokens',
  'layerNormCond',
  'application',
] as const satisfies readonly (keyof BertBuildOptions)[];

/** ELECTRA built: the family build plus the inspection model (hidden states, attentions). */
export type ElectraBuild = FamilyBuild<ElectraConfig> & { inspection: InspectionModel };

/** Builds an ELECTRA encoder with optional discriminator and generator heads. */
export function buildElectra(c: ElectraConfig, opts: ElectraBuildOptions = {}): ElectraBuild {
  rejectUnsupportedOptions('electra', ELECTRA_OPTIONS, opts);
  const E = c.embeddingSize;
  const T: WeightTransform[] = [{ kind: 'transpose' }];
  const { ids, segments, mask } = bertInputs();
  const condition = conditionInput(opts.layerNormCond);
  const attentionBias = applicationBias(opts.application, segments);
  const tokenEmbedding = new Embedding({
    name: 'Embedding-Token',
    inputDim: effectiveVocabSize(c.vocabSize, opts),
    outputDim: E,
    initializerRange: c.initializerRange,
  });
  let x = tokenEmbedding.apply(ids) as tf.SymbolicTensor;
  const s = new Embedding({
    name: 'Embedding-Segment',
    inputDim: c.typeVocabSize,
    outputDim: E,
    initializerRange: c.initializerRange,
  }).apply(segments) as tf.SymbolicTensor;
  x = tf.layers.add({ name: 'Embedding-Token-Segment' }).apply([x, s]) as tf.SymbolicTensor;
  x = new PositionEmbedding({
    name: 'Embedding-Position',
    maxPositions: c.maxPositionEmbeddings,
    outputDim: E,
    initializerRange: c.initializerRange,
  }).apply(x) as tf.SymbolicTensor;
  x = applyLayerNorm(makeLayerNorm('Embedding-Norm', c.layerNormEps, condition), x, condition);
  x = tf.layers.dropout({ rate: c.hiddenDropoutProb, name: 'Embedding-Dropout' }).apply(x) as tf.SymbolicTensor;
  const weightMap: WeightMapping[] = [
    {
      layer: 'Embedding-Token',
      weight: 'embeddings',
      source: 'electra.embeddings.word_embeddings.weight',
      transforms: vocabTransforms(opts),
    },
    { layer: 'Embedding-Segment', weight: 'embeddings', source: 'electra.embeddings.token_type_embeddings.weight' },
    { layer: 'Embedding-Position', weight: 'embeddings', source: 'electra.embeddings.position_embeddings.weight' },
    { layer: 'Embedding-Norm', weight: 'gamma', source: 'electra.embeddings.LayerNorm.weight' },
    { layer: 'Embedding-Norm', weight: 'beta', source: 'electra.embeddings.LayerNorm.bias' },
  ];
  if (E !== c.hiddenSize) {
    x = new Dense({ name: 'Embedding-Mapping', units: c.hiddenSize, initializerRange: c.initializerRange }).apply(
      x,
    ) as tf.SymbolicTensor;
    weightMap.push(
      { layer: 'Embedding-Mapping', weight: 'kernel', source: 'electra.embeddings_project.weight', transforms: T },
      { layer: 'Embedding-Mapping', weight: 'bias', source: 'electra.embeddings_project.bias' },
    );
  }
  const stack = postNormEncoderStack(x, mask, c, {
    hfLayer: (i) => `electra.encoder.layer.${i}`,
    attention: opts.attention,
    condition,
    attentionBias,
  });
  weightMap.push(...stack.weights);
  const h = stack.output;

  const outputs: tf.SymbolicTensor[] = [h];
  const names = ['last_hidden_state'];
  if (opts.withDiscriminator) {
    let d = new Dense({
      name: 'Discriminator-Dense',
      units: c.hiddenSize,
      activation: c.hiddenAct,
      initializerRange: c.initializerRange,
    }).apply(h) as tf.SymbolicTensor;
    d = new Dense({ name: 'Discriminator-Prediction', units: 1, initializerRange: c.initializerRange }).apply(
      d,
    ) as tf.SymbolicTensor;
    outputs.push(tf.layers.reshape({ name: 'Discriminator-Squeeze', targetShape: [-1] }).apply(d) as tf.SymbolicTensor);
    names.push('discriminator_logits');
    weightMap.push(
      {
        layer: 'Discriminator-Dense',
        weight: 'kernel',
        source: 'discriminator_predictions.dense.weight',
        transforms: T,
      },
      { layer: 'Discriminator-Dense', weight: 'bias', source: 'discriminator_predictions.dense.bias' },
      {
        layer: 'Discriminator-Prediction',
        weight: 'kernel',
        source: 'discriminator_predictions.dense_prediction.weight',
        transforms: T,
      },
      { layer: 'Discriminator-Prediction', weight: 'bias', source: 'discriminator_predictions.dense_prediction.bias' },
    );
  }
  if (opts.withGenerator || opts.withMlm) {
    // Hugging Face's generator head uses gelu whatever hidden_act says.
    let g = new Dense({
      name: 'Generator-Dense',
      units: E,
      activation: 'gelu',
      initializerRange: c.initializerRange,
    }).apply(h) as tf.SymbolicTensor;
    g = applyLayerNorm(makeLayerNorm('Generator-Norm', c.layerNormEps, condition), g, condition);
    g = tokenEmbedding.apply(g) as tf.SymbolicTensor;
    g = new BiasAdd({ name: 'Generator-Bias' }).apply(g) as tf.SymbolicTensor;
    outputs.push(g);
    names.push('generator_logits');
    weightMap.push(
      { layer: 'Generator-Dense', weight: 'kernel', source: 'generator_predictions.dense.weight', transforms: T },
      { layer: 'Generator-Dense', weight: 'bias', source: 'generator_predictions.dense.bias' },
      { layer: 'Generator-Norm', weight: 'gamma', source: 'generator_predictions.LayerNorm.weight' },
      { layer: 'Generator-Norm', weight: 'beta', source: 'generator_predictions.LayerNorm.bias' },
      { layer: 'Generator-Bias', weight: 'bias', source: 'generator_lm_head.bias', transforms: vocabTransforms(opts) },
    );
  }
  const inputs = condition ? [ids, segments, mask, condition.input] : [ids, segments, mask];
  const inputNames = ['input_ids', 'token_type_ids', 'attention_mask', ...(condition ? ['condition'] : [])];
  const extra = inspectionOutputs(stack);
  return {
    model: tf.model({ inputs, outputs, name: 'electra' }),
    config: c,
    inputNames,
    outputNames: names,
    weightMap,
    prefix: 'electra.',
    inspection: makeInspectionModel(
      inputs,
      [...names, ...extra.names].map((n, i) => [n, [...outputs, ...extra.outputs][i]]),
      'electra_inspection',
    ),
  };
}
