/** The inputs and the pooler / MLM / NSP / classifier heads shared by BERT-like encoders. */
import * as tf from '@tensorflow/tfjs';
import { BiasAdd, Dense, type Embedding, TakeToken } from '@bert4tfjs/core';
import type { BertConfig } from '../bert/config.ts';
import type { WeightMapping, WeightTransform } from '../weights.ts';
import { type BertBuildOptions, vocabTransforms } from './build-options.ts';
import { applyLayerNorm, makeLayerNorm, type NormCondition } from './layer-norm.ts';

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
    const mlm = tiedLmHead(
      hidden,
      tokenEmbedding,
      {
        units: c.embeddingSize ?? c.hiddenSize,
        activation: c.hiddenAct,
        layerNormEps: c.layerNormEps,
        initializerRange: c.initializerRange,
      },
      {
        layer: 'MLM',
        dense: `${hf.mlm}.transform.dense`,
        norm: `${hf.mlm}.transform.LayerNorm`,
        bias: hf.mlmBias,
      },
      opts,
      condition,
    );
    outputs.push(mlm.output);
    names.push('mlm_logits');
    weights.push(...mlm.weights);
  }
  return { outputs, names, weights };
}

/** The sizes of a tied language-model head. */
export interface TiedLmHeadSpec {
  /** Width of the transform: the embedding size, which the tied projection expects. */
  units: number;
  activation: string;
  layerNormEps: number;
  initializerRange: number;
}

/** Our layer-name prefix of a tied LM head and the Hugging Face tensors behind its three layers. */
export interface TiedLmHeadNames {
  /** Layers are `${layer}-Dense`, `${layer}-Norm`, `${layer}-Bias`. */
  layer: string;
  /** HF module of the transform's dense layer (its `.weight` / `.bias`). */
  dense: string;
  /** HF module of the transform's layer norm (its `.weight` / `.bias`). */
  norm: string;
  /** HF tensor of the output bias. */
  bias: string;
}

/**
 * The masked-LM head BERT-like families share: dense → layer norm → the token embedding reused (tied) as the
 * output projection → bias. Families differ only in the activation and in the Hugging Face names.
 */
export function tiedLmHead(
  hidden: tf.SymbolicTensor,
  tokenEmbedding: Embedding,
  spec: TiedLmHeadSpec,
  hf: TiedLmHeadNames,
  opts: BertBuildOptions,
  condition?: NormCondition | null,
): { output: tf.SymbolicTensor; weights: WeightMapping[] } {
  const T: WeightTransform[] = [{ kind: 'transpose' }];
  const dense = `${hf.layer}-Dense`;
  const norm = `${hf.layer}-Norm`;
  const bias = `${hf.layer}-Bias`;
  let m = new Dense({
    name: dense,
    units: spec.units,
    activation: spec.activation,
    initializerRange: spec.initializerRange,
  }).apply(hidden) as tf.SymbolicTensor;
  m = applyLayerNorm(makeLayerNorm(norm, spec.layerNormEps, condition), m, condition);
  m = tokenEmbedding.apply(m) as tf.SymbolicTensor;
  const output = new BiasAdd({ name: bias }).apply(m) as tf.SymbolicTensor;
  return {
    output,
    weights: [
      { layer: dense, weight: 'kernel', source: `${hf.dense}.weight`, transforms: T },
      { layer: dense, weight: 'bias', source: `${hf.dense}.bias` },
      { layer: norm, weight: 'gamma', source: `${hf.norm}.weight` },
      { layer: norm, weight: 'beta', source: `${hf.norm}.bias` },
      { layer: bias, weight: 'bias', source: hf.bias, transforms: vocabTransforms(opts) },
    ],
  };
}

/** The three integer inputs every BERT-like encoder takes. */
export function bertInputs(): { ids: tf.SymbolicTensor; segments: tf.SymbolicTensor; mask: tf.SymbolicTensor } {
  return {
    ids: tf.input({ shape: [null], dtype: 'int32', name: 'input_ids' }),
    segments: tf.input({ shape: [null], dtype: 'int32', name: 'token_type_ids' }),
    mask: tf.input({ shape: [null], dtype: 'float32', name: 'attention_mask' }),
  };
}
