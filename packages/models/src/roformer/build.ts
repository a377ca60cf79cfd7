/**
 * Builds RoFormer, RoFormer-Sim and RoFormer-V2. Read top to bottom: the embeddings (word + segment, no
 * absolute positions, then the norm and, when E ≠ H, the projection), post-norm blocks whose attention
 * rotates q and k (core's `rotary` kernel), and the heads.
 *
 * References: RoFormer and RoFormer-Sim follow Hugging Face transformers 4.30 `RoFormerModel` /
 * `RoFormerForMaskedLM` (checked to 1e-4 against it); RoFormer-Sim is that encoder read through a linear
 * pooler (bert4keras `build_transformer_model(..., model='roformer', with_pool='linear')`). RoFormer-V2
 * follows bert4keras 0.11 `RoFormerV2`: no biases anywhere, every norm x / sqrt(mean(x²) + eps) with no
 * gain or shift, and an MLM head that is the tied embedding alone (no transform, no bias). No Hugging Face
 * reference exists for V2, so its tensors keep the RoFormer names minus the biases and norm weights.
 */
import * as tf from '@tensorflow/tfjs';
import {
  Bert4tfjsError,
  Dense,
  Embedding,
  FeedForward,
  LayerNormalization,
  MultiHeadAttention,
  TakeToken,
  type AttentionOption,
  type NamedTensors,
} from '@bert4tfjs/core';
import { bertHeads, bertInputs } from '../encoder/heads.ts';
import { effectiveVocabSize, resolveNumLabels, type BertBuildOptions } from '../encoder/build-options.ts';
import { applyLayerNorm, conditionInput, makeLayerNorm, type NormCondition } from '../encoder/layer-norm.ts';
import { postNormBlock } from '../encoder/post-norm-block.ts';
import type { FamilyBuild } from '../family.ts';
import type { EncoderInternals } from '../encoder-internals.ts';
import type { WeightMapping } from '../weights.ts';
import {
  resolveRoformerConfig,
  type ResolvedRoformerConfig,
  type RoformerConfig,
  type RoformerVariant,
} from './config.ts';
import {
  roformerBlockWeights,
  roformerEmbeddingWeights,
  roformerExtraTensors,
  roformerPoolerWeights,
} from './weights.ts';

/** Build options of RoFormer: BERT's (withPool, withMlm, keepTokens, layerNormCond, …). */
export interface RoformerBuildOptions extends BertBuildOptions {
  /** The family name the builder was called with (`roformer`, `roformer-sim`, `roformer-v2`). */
  model?: string;
}

/** A RoFormer build: the family build plus where its hidden states and attentions are. */
export type RoformerBuild = FamilyBuild<ResolvedRoformerConfig> & {
  internals: EncoderInternals;
  /** The tensors Hugging Face stores besides the weights (the rotary table), for export. */
  extraHfTensors: (dtype?: 'F32' | 'F16' | 'BF16') => NamedTensors;
};

function unsupported(variant: string, option: string, why: string): never {
  throw new Bert4tfjsError(`${variant}: option '${option}' is not supported (${why})`, 'bad-argument');
}

/** The rotary attention option of `c`, refusing any other attention kind the caller asked for. */
function rotaryAttention(
  c: ResolvedRoformerConfig,
  variant: string,
  requested: AttentionOption | undefined,
): AttentionOption {
  if (requested && requested.type !== 'softmax' && requested.type !== 'rotary') {
    unsupported(variant, `attention: ${requested.type}`, 'rotary positions are applied inside the softmax kernel');
  }
  return { type: 'rotary', rotaryValue: c.rotaryValue };
}

/** A norm of `c`'s kind: layer norm (conditional when asked) or V2's scale-free RMS norm. */
function roformerNorm(name: string, c: ResolvedRoformerConfig, condition: NormCondition | null): tf.layers.Layer {
  if (c.normType === 'rms_norm')
    return new LayerNormalization({ name, epsilon: c.layerNormEps, rms: true, scale: false });
  return makeLayerNorm(name, c.layerNormEps, condition);
}

/** One post-norm block for configs without biases or with RMS norms (V2); else BERT's block. */
function roformerBlock(
  x: tf.SymbolicTensor,
  mask: tf.SymbolicTensor,
  name: string,
  c: ResolvedRoformerConfig,
  attention: AttentionOption,
  condition: NormCondition | null,
): tf.SymbolicTensor {
  if (c.useBias && c.normType === 'layer_norm') return postNormBlock(x, mask, name, c, attention, undefined, condition);
  const heads = c.numAttentionHeads;
  let a = new MultiHeadAttention({
    name: `${name}-MultiHeadSelfAttention`,
    heads,
    headSize: c.hiddenSize / heads,
    maskInput: true,
    useBias: c.useBias,
    dropout: c.attentionProbsDropoutProb,
    initializerRange: c.initializerRange,
    attention,
  }).apply([x, mask]) as tf.SymbolicTensor;
  a = tf.layers.dropout({ rate: c.hiddenDropoutProb }).apply(a) as tf.SymbolicTensor;
  const sum1 = tf.layers.add().apply([x, a]) as tf.SymbolicTensor;
  x = applyLayerNorm(roformerNorm(`${name}-MultiHeadSelfAttention-Norm`, c, condition), sum1, condition);
  let f = new FeedForward({
    name: `${name}-FeedForward`,
    units: c.intermediateSize,
    activation: c.hiddenAct,
    useBias: c.useBias,
    initializerRange: c.initializerRange,
  }).apply(x) as tf.SymbolicTensor;
  f = tf.layers.dropout({ rate: c.hiddenDropoutProb }).apply(f) as tf.SymbolicTensor;
  const sum2 = tf.layers.add().apply([x, f]) as tf.SymbolicTensor;
  return applyLayerNorm(roformerNorm(`${name}-FeedForward-Norm`, c, condition), sum2, condition);
}

/** Builds a RoFormer of `variant` with optional pooler and MLM heads. */
export function buildRoformer(
  config: RoformerConfig,
  opts: RoformerBuildOptions = {},
  variant: RoformerVariant = 'roformer',
): RoformerBuild {
  const c = resolveRoformerConfig(config, variant);
  const v2Style = !c.useBias || c.normType === 'rms_norm';
  if (v2Style && opts.layerNormCond)
    unsupported(variant, 'layerNormCond', 'its norms have no gain or shift to condition');
  const attention = rotaryAttention(c, variant, opts.attention);
  const numLabels = resolveNumLabels(opts);
  const standardPooler = c.poolerActivation === 'tanh' && c.useBias;
  if (!standardPooler && opts.withNsp)
    unsupported(variant, 'withNsp', `its pooler is ${c.useBias ? c.poolerActivation : 'bias-free'}`);
  if (!standardPooler && numLabels > 0) unsupported(variant, 'numLabels', 'a classifier needs the tanh pooler');
  if (v2Style && opts.withPool) unsupported(variant, 'withPool', 'RoFormer-V2 has no pooler; use mean pooling');
  const { ids, segments, mask } = bertInputs();
  const condition = conditionInput(opts.layerNormCond);
  const e = c.embeddingSize;
  const tokenEmbedding = new Embedding({
    name: 'Embedding-Token',
    inputDim: effectiveVocabSize(c.vocabSize, opts),
    outputDim: e,
    initializerRange: c.initializerRange,
  });
  let x = tokenEmbedding.apply(ids) as tf.SymbolicTensor;
  const s = new Embedding({
    name: 'Embedding-Segment',
    inputDim: c.typeVocabSize,
    outputDim: e,
    initializerRange: c.initializerRange,
  }).apply(segments) as tf.SymbolicTensor;
  x = tf.layers.add({ name: 'Embedding-Token-Segment' }).apply([x, s]) as tf.SymbolicTensor;
  x = applyLayerNorm(roformerNorm('Embedding-Norm', c, condition), x, condition);
  x = tf.layers.dropout({ rate: c.hiddenDropoutProb, name: 'Embedding-Dropout' }).apply(x) as tf.SymbolicTensor;
  let inputLayer = 'Embedding-Dropout';
  if (e !== c.hiddenSize) {
    x = new Dense({
      name: 'Embedding-Mapping',
      units: c.hiddenSize,
      useBias: c.useBias,
      initializerRange: c.initializerRange,
    }).apply(x) as tf.SymbolicTensor;
    inputLayer = 'Embedding-Mapping';
  }
  const weightMap: WeightMapping[] = roformerEmbeddingWeights(c, opts);
  const internals: EncoderInternals = { hiddenStateLayers: [inputLayer], attentionLayers: [] };
  for (let i = 0; i < c.numHiddenLayers; i++) {
    const name = `Transformer-${i}`;
    x = roformerBlock(x, mask, name, c, attention, condition);
    weightMap.push(...roformerBlockWeights(name, `roformer.encoder.layer.${i}`, c));
    internals.hiddenStateLayers.push(`${name}-FeedForward-Norm`);
    internals.attentionLayers.push(`${name}-MultiHeadSelfAttention`);
  }

  const outputs: tf.SymbolicTensor[] = [x];
  const outputNames = ['last_hidden_state'];
  const hf = {
    pooler: 'roformer.pooler.dense',
    mlm: 'cls.predictions',
    nsp: 'cls.seq_relationship',
    nspName: 'nsp_logits',
    mlmBias: 'cls.predictions.bias',
  };
  if (standardPooler) {
    const heads = bertHeads(x, tokenEmbedding, c, { ...opts, numLabels: numLabels || null }, hf, condition);
    outputs.push(...heads.outputs);
    outputNames.push(...heads.names);
    weightMap.push(...heads.weights);
  } else {
    if (opts.withPool) {
      const cls = new TakeToken({ name: 'Pooler', index: 0 }).apply(x) as tf.SymbolicTensor;
      outputs.push(
        new Dense({
          name: 'Pooler-Dense',
          units: c.hiddenSize,
          activation: c.poolerActivation,
          initializerRange: c.initializerRange,
        }).apply(cls) as tf.SymbolicTensor,
      );
      outputNames.push('pooler_output');
      weightMap.push(...roformerPoolerWeights(hf.pooler));
    }
    if (opts.withMlm && !v2Style) {
      const heads = bertHeads(
        x,
        tokenEmbedding,
        c,
        { ...opts, withPool: false, withNsp: false, numLabels: null },
        hf,
        condition,
      );
      outputs.push(...heads.outputs);
      outputNames.push(...heads.names);
      weightMap.push(...heads.weights);
    }
  }
  if (opts.withMlm && v2Style) {
    // bert4keras RoFormerV2: (E ≠ H: a bias-free projection H -> E, then) logits = h · Eᵀ, nothing else.
    let m = x;
    if (e !== c.hiddenSize) {
      m = new Dense({ name: 'MLM-Mapping', units: e, useBias: false, initializerRange: c.initializerRange }).apply(
        m,
      ) as tf.SymbolicTensor;
      weightMap.push({
        layer: 'MLM-Mapping',
        weight: 'kernel',
        source: 'cls.predictions.transform.dense.weight',
        transforms: [{ kind: 'transpose' }],
      });
    }
    outputs.push(tokenEmbedding.apply(m) as tf.SymbolicTensor);
    outputNames.push('mlm_logits');
  }
  const inputs = condition ? [ids, segments, mask, condition.input] : [ids, segments, mask];
  return {
    model: tf.model({ inputs, outputs, name: variant }),
    config: c,
    inputNames: ['input_ids', 'token_type_ids', 'attention_mask', ...(condition ? ['condition'] : [])],
    outputNames,
    weightMap,
    prefix: 'roformer.',
    internals,
    extraHfTensors: (dtype) => roformerExtraTensors(c, dtype),
  };
}
