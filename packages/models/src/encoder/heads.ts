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
