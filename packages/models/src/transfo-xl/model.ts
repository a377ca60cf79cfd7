/**
 * Transformer-XL (Hugging Face `transfo-xl`). Read top to bottom: the adaptive embedding,
 * one block (relative attention + feed-forward, post- or pre-LayerNorm) repeated with a memory input and
 * a memory output per layer, the tied adaptive softmax, and the weight map to Hugging Face names.
 *
 * The tfjs model takes `input_ids` [B, L] and, when mem_len > 0, `mems_{i}` [B, M, D] per layer
 * (batch-first; Hugging Face uses [M, B, D]); it returns `last_hidden_state` [B, L, D], `logits`
 * [B, L, V] and `mems_out.{i}` [B, min(mem_len, M + L), D]. Use the returned `step` to drive it.
 */
import * as tf from '@tensorflow/tfjs';
import {
  FeedForward,
  LayerNormalization,
  XlAdaptiveEmbedding,
  XlMemoryUpdate,
  XlPositionEmbedding,
  XlRelativeAttention,
  XlRelativeBias,
} from '@bert4tfjs/core';
import type { FamilyBuild } from '../family.ts';
import type { WeightMapping, WeightTransform } from '../weights.ts';
import type { TransfoXlConfig } from './config.ts';
import { makeTransfoXlStep, type TransfoXlStep } from './step.ts';

/** What {@link buildTransfoXl} returns: the model, its weight map, and the stateful `step`. */
export interface TransfoXlBuild extends FamilyBuild<TransfoXlConfig> {
  /** Runs one segment with memories; see {@link TransfoXlStep}. */
  step: TransfoXlStep;
}

const T: WeightTransform[] = [{ kind: 'transpose' }];

/** Weight-map entries of the adaptive embedding + softmax layer. */
function embeddingWeights(layer: XlAdaptiveEmbedding, withLmHead: boolean): WeightMapping[] {
  const name = layer.name;
  const m: WeightMapping[] = [];
  const tables = layer.divVal === 1 ? 1 : layer.buckets;
  for (let i = 0; i < tables; i++) {
    m.push({ layer: name, weight: `bucket${i}_emb`, source: `transformer.word_emb.emb_layers.${i}.weight` });
    if (layer.hasEmbProj(i))
      m.push({
        layer: name,
        weight: `bucket${i}_emb_proj`,
        source: `transformer.word_emb.emb_projs.${i}`,
        transforms: T,
      });
  }
  if (!withLmHead) return m;
  for (let i = 0; i < tables; i++) {
    if (!layer.tieWeights)
      m.push({ layer: name, weight: `bucket${i}_out_weight`, source: `crit.out_layers.${i}.weight` });
    if (layer.divVal > 1) m.push({ layer: name, weight: `bucket${i}_out_bias`, source: `crit.out_layers.${i}.bias` });
  }
  if (layer.divVal === 1) m.push({ layer: name, weight: 'out_bias', source: 'crit.out_layers.0.bias' });
  for (let i = 0; i < layer.buckets; i++) {
    if (layer.hasOutProj(i) && !layer.tieProjs[i])
      m.push({ layer: name, weight: `bucket${i}_out_proj`, source: `crit.out_projs.${i}` });
  }
  if (layer.cutoffs.length > 0) {
    m.push(
      { layer: name, weight: 'cluster_weight', source: 'crit.cluster_weight' },
      { layer: name, weight: 'cluster_bias', source: 'crit.cluster_bias' },
    );
  }
  return m;
}

/** Weight-map entries of block `i`. */
function blockWeights(i: number, untieR: boolean): WeightMapping[] {
  const hf = `transformer.layers.${i}`;
  const attn = `Transformer-${i}-RelAttention`;
  const ff = `Transformer-${i}-FeedForward`;
  const m: WeightMapping[] = [
    { layer: attn, weight: 'qkv_kernel', source: `${hf}.dec_attn.qkv_net.weight`, transforms: T },
    { layer: attn, weight: 'r_kernel', source: `${hf}.dec_attn.r_net.weight`, transforms: T },
    { layer: attn, weight: 'o_kernel', source: `${hf}.dec_attn.o_net.weight`, transforms: T },
    { layer: `${attn}-Norm`, weight: 'gamma', source: `${hf}.dec_attn.layer_norm.weight` },
    { layer: `${attn}-Norm`, weight: 'beta', source: `${hf}.dec_attn.layer_norm.bias` },
    { layer: ff, weight: 'inner_kernel', source: `${hf}.pos_ff.CoreNet.0.weight`, transforms: T },
    { layer: ff, weight: 'inner_bias', source: `${hf}.pos_ff.CoreNet.0.bias` },
    { layer: ff, weight: 'outer_kernel', source: `${hf}.pos_ff.CoreNet.3.weight`, transforms: T },
    { layer: ff, weight: 'outer_bias', source: `${hf}.pos_ff.CoreNet.3.bias` },
    { layer: `${ff}-Norm`, weight: 'gamma', source: `${hf}.pos_ff.layer_norm.weight` },
    { layer: `${ff}-Norm`, weight: 'beta', source: `${hf}.pos_ff.layer_norm.bias` },
  ];
  if (untieR) {
    m.push(
      { layer: attn, weight: 'r_w_bias', source: `${hf}.dec_attn.r_w_bias` },
      { layer: attn, weight: 'r_r_bias', source: `${hf}.dec_attn.r_r_bias` },
    );
  }
  return m;
}

/** Options of {@link buildTransfoXl}. */
export interface TransfoXlBuildOptions {
  /** Build the adaptive softmax head and its `logits` output (default true). */
  withLmHead?: boolean;
}

/** Builds a Transformer-XL language model. */
export function buildTransfoXl(c: TransfoXlConfig, opts: TransfoXlBuildOptions = {}): TransfoXlBuild {
  const withLmHead = opts.withLmHead ?? true;
  const drop = (x: tf.SymbolicTensor, rate = c.dropout) =>
    rate > 0 ? (tf.layers.dropout({ rate }).apply(x) as tf.SymbolicTensor) : x;
  const ids = tf.input({ shape: [null], dtype: 'int32', name: 'input_ids' });
  const mems =
    c.memLen > 0
      ? Array.from({ length: c.nLayer }, (_, i) => tf.input({ shape: [null, c.dModel], name: `mems_${i}` }))
      : [];

  const embedding = new XlAdaptiveEmbedding({
    name: 'Embedding-Token',
    vocabSize: c.vocabSize,
    dEmbed: c.dEmbed,
    dProj: c.dModel,
    cutoffs: c.cutoffs,
    divVal: c.divVal,
    tieProjs: c.tieProjs,
    tieWeights: c.tieWordEmbeddings,
    initializerRange: c.initStd,
  });
  let x = drop(embedding.apply(ids) as tf.SymbolicTensor);
  const pos = new XlPositionEmbedding({
    name: 'Embedding-Position',
    dim: c.dModel,
    clampLen: c.clampLen,
    dropout: c.dropout,
  }).apply(mems.length ? [x, mems[0]] : [x]) as tf.SymbolicTensor;
  const shared = c.untieR
    ? []
    : (new XlRelativeBias({
        name: 'Relative-Bias',
        heads: c.nHead,
        headSize: c.dHead,
        initializerRange: c.initStd,
      }).apply(x) as tf.SymbolicTensor[]);

  const weightMap: WeightMapping[] = [...embeddingWeights(embedding, withLmHead)];
  if (!c.untieR) {
    weightMap.push(
      { layer: 'Relative-Bias', weight: 'r_w_bias', source: 'transformer.r_w_bias' },
      { layer: 'Relative-Bias', weight: 'r_r_bias', source: 'transformer.r_r_bias' },
    );
  }
  const newMems: tf.SymbolicTensor[] = [];
  for (let i = 0; i < c.nLayer; i++) {
    const name = `Transformer-${i}`;
    const mem = mems[i];
    if (mem)
      newMems.push(new XlMemoryUpdate({ name: `Memory-${i}`, memLen: c.memLen }).apply([mem, x]) as tf.SymbolicTensor);
    const attn = new XlRelativeAttention({
      name: `${name}-RelAttention`,
      heads: c.nHead,
      headSize: c.dHead,
      memInput: !!mem,
      sharedBiases: !c.untieR,
      attentionDropout: c.dropatt,
      sameLength: c.sameLength,
      memLen: c.memLen,
      initializerRange: c.initStd,
    });
    const attnNorm = new LayerNormalization({ name: `${name}-RelAttention-Norm`, epsilon: c.layerNormEpsilon });
    const ffn = new FeedForward({
      name: `${name}-FeedForward`,
      units: c.dInner,
      activation: 'relu',
      initializerRange: c.initStd,
      dropout: c.dropout,
    });
    const ffnNorm = new LayerNormalization({ name: `${name}-FeedForward-Norm`, epsilon: c.layerNormEpsilon });
    const attnInputs = (h: tf.SymbolicTensor, m: tf.SymbolicTensor | undefined) => [
      h,
      ...(m ? [m] : []),
      pos,
      ...shared,
    ];
    if (c.preLnorm) {
      // Pre-LN normalises memory and segment alike (the reference normalises their concatenation).
      const a = drop(
        attn.apply(
          attnInputs(attnNorm.apply(x) as tf.SymbolicTensor, mem && (attnNorm.apply(mem) as tf.SymbolicTensor)),
        ) as tf.SymbolicTensor,
      );
      x = tf.layers.add().apply([x, a]) as tf.SymbolicTensor;
      const f = drop(ffn.apply(ffnNorm.apply(x)) as tf.SymbolicTensor);
      x = tf.layers.add().apply([x, f]) as tf.SymbolicTensor;
    } else {
      const a = drop(attn.apply(attnInputs(x, mem)) as tf.SymbolicTensor);
      x = attnNorm.apply(tf.layers.add().apply([x, a])) as tf.SymbolicTensor;
      const f = drop(ffn.apply(x) as tf.SymbolicTensor);
      x = ffnNorm.apply(tf.layers.add().apply([x, f])) as tf.SymbolicTensor;
    }
    weightMap.push(...blockWeights(i, c.untieR));
  }
  x = drop(x);
  const outputs = [x];
  const outputNames = ['last_hidden_state'];
  if (withLmHead) {
    outputs.push(embedding.apply(x) as tf.SymbolicTensor);
    outputNames.push('logits');
  }
  outputs.push(...newMems);
  outputNames.push(...newMems.map((_, i) => `mems_out.${i}`));
  const model = tf.model({ inputs: [ids, ...mems], outputs, name: 'transfo_xl' });
  const inputNames = ['input_ids', ...mems.map((_, i) => `mems_${i}`)];
  return {
    model,
    config: c,
    inputNames,
    outputNames,
    weightMap,
    prefix: 'transformer.',
    step: makeTransfoXlStep(model, c, withLmHead),
  };
}
