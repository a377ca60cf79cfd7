/**
 * Transformer-XL (Hugging Face `transfo-xl`). Read top to bottom: the config, the adaptive embedding,
 * one block (relative attention + feed-forward, post- or pre-LayerNorm) repeated with a memory input and
 * a memory output per layer, the tied adaptive softmax, and the weight map to Hugging Face names.
 *
 * The tfjs model takes `input_ids` [B, L] and, when mem_len > 0, `mems_{i}` [B, M, D] per layer
 * (batch-first; Hugging Face uses [M, B, D]); it returns `last_hidden_state` [B, L, D], `logits`
 * [B, L, V] and `mems_out.{i}` [B, min(mem_len, M + L), D]. Use the returned `step` to drive it.
 */
import * as tf from '@tensorflow/tfjs';
import {
  Bert4tfjsError,
  FeedForward,
  LayerNormalization,
  XlAdaptiveEmbedding,
  XlMemoryUpdate,
  XlPositionEmbedding,
  XlRelativeAttention,
  XlRelativeBias,
} from '@bert4tfjs/core';
import type { FamilyBuild } from './bert.ts';
import { intKey, numKey, type RawConfig } from './config.ts';
import type { Family } from './families.ts';
import type { WeightMapping, WeightTransform } from './weights.ts';
import { makeTransfoXlStep, transfoXlForward, type TransfoXlStep } from './transfo-xl-step.ts';

/** Transformer-XL hyper-parameters (Hugging Face config.json keys, camel-cased). */
export interface TransfoXlConfig {
  vocabSize: number;
  dModel: number;
  dEmbed: number;
  nHead: number;
  dHead: number;
  dInner: number;
  nLayer: number;
  /** Positions kept as memory per layer; 0 = no memory. */
  memLen: number;
  /** Largest relative distance embedded; <= 0 = no clamp. */
  clampLen: number;
  sameLength: boolean;
  preLnorm: boolean;
  /** Per-layer r_w_bias / r_r_bias (true) or one pair shared by all layers. */
  untieR: boolean;
  cutoffs: number[];
  divVal: number;
  tieProjs: boolean[];
  tieWordEmbeddings: boolean;
  dropout: number;
  dropatt: number;
  layerNormEpsilon: number;
  initStd: number;
}

function boolKey(cfg: RawConfig, key: string, source: string, fallback: boolean): boolean {
  const v = cfg[key] ?? fallback;
  if (typeof v !== 'boolean')
    throw new Bert4tfjsError(
      `${source}: '${key}' must be true or false, got ${JSON.stringify(cfg[key])}`,
      'bad-config',
    );
  return v;
}

function listKey<T>(
  cfg: RawConfig,
  key: string,
  source: string,
  fallback: T[],
  ok: (x: unknown) => boolean,
  what: string,
): T[] {
  const v = cfg[key] ?? fallback;
  if (!Array.isArray(v) || !v.every(ok))
    throw new Bert4tfjsError(
      `${source}: '${key}' must be a list of ${what}, got ${JSON.stringify(cfg[key])}`,
      'bad-config',
    );
  return v as T[];
}

/** Reads a Transformer-XL config from config.json keys; `source` names the file in errors. */
export function parseTransfoXlConfig(cfg: RawConfig, source = 'config'): TransfoXlConfig {
  const dModel = intKey(cfg, 'd_model', source);
  const cutoffs = listKey<number>(cfg, 'cutoffs', source, [], (x) => Number.isInteger(x), 'integers');
  const c: TransfoXlConfig = {
    vocabSize: intKey(cfg, 'vocab_size', source),
    dModel,
    dEmbed: intKey(cfg, 'd_embed', source, dModel),
    nHead: intKey(cfg, 'n_head', source),
    dHead: intKey(cfg, 'd_head', source),
    dInner: intKey(cfg, 'd_inner', source),
    nLayer: intKey(cfg, 'n_layer', source),
    memLen: intKey(cfg, 'mem_len', source, 0),
    clampLen: numKey(cfg, 'clamp_len', source, -1),
    sameLength: boolKey(cfg, 'same_length', source, false),
    preLnorm: boolKey(cfg, 'pre_lnorm', source, false),
    untieR: boolKey(cfg, 'untie_r', source, true),
    cutoffs,
    divVal: intKey(cfg, 'div_val', source, 1),
    tieProjs: listKey<boolean>(
      cfg,
      'tie_projs',
      source,
      [false, ...cutoffs.map(() => true)],
      (x) => typeof x === 'boolean',
      'booleans',
    ),
    tieWordEmbeddings: boolKey(cfg, 'tie_word_embeddings', source, true),
    dropout: numKey(cfg, 'dropout', source, 0.1),
    dropatt: numKey(cfg, 'dropatt', source, 0),
    layerNormEpsilon: numKey(cfg, 'layer_norm_epsilon', source, 1e-5),
    initStd: numKey(cfg, 'init_std', source, 0.02),
  };
  const attnType = cfg.attn_type ?? 0;
  if (attnType !== 0) {
    throw new Bert4tfjsError(
      `${source}: attn_type ${JSON.stringify(attnType)} is not supported (only 0, the relative attention of the Transformer-XL paper)`,
      'bad-config',
    );
  }
  const sample = cfg.sample_softmax ?? -1;
  if (typeof sample === 'number' && sample > 0) {
    throw new Bert4tfjsError(`${source}: sample_softmax ${sample} is not supported (use -1)`, 'bad-config');
  }
  for (const [k, v] of [
    ['vocab_size', c.vocabSize],
    ['d_model', c.dModel],
    ['n_head', c.nHead],
    ['d_head', c.dHead],
    ['n_layer', c.nLayer],
  ] as const) {
    if (v < 1) throw new Bert4tfjsError(`${source}: '${k}' must be >= 1, got ${v}`, 'bad-config');
  }
  if (c.dModel % 2 !== 0)
    throw new Bert4tfjsError(`${source}: d_model ${c.dModel} must be even (sinusoidal positions)`, 'bad-config');
  return c;
}

/** The config.json keys of a Transformer-XL config (inverse of {@link parseTransfoXlConfig}). */
export function transfoXlConfigToJson(c: TransfoXlConfig): RawConfig {
  return {
    model_type: 'transfo-xl',
    vocab_size: c.vocabSize,
    d_model: c.dModel,
    d_embed: c.dEmbed,
    n_head: c.nHead,
    d_head: c.dHead,
    d_inner: c.dInner,
    n_layer: c.nLayer,
    mem_len: c.memLen,
    clamp_len: c.clampLen,
    same_length: c.sameLength,
    pre_lnorm: c.preLnorm,
    untie_r: c.untieR,
    cutoffs: c.cutoffs,
    div_val: c.divVal,
    tie_projs: c.tieProjs,
    tie_word_embeddings: c.tieWordEmbeddings,
    dropout: c.dropout,
    dropatt: c.dropatt,
    layer_norm_epsilon: c.layerNormEpsilon,
    init_std: c.initStd,
    attn_type: 0,
    adaptive: true,
  };
}

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

/** The transfo-xl family for the registry (`model_type` 'transfo-xl'; 'transfo_xl' also accepted). */
export const TRANSFO_XL_FAMILY: Family = {
  names: ['transfo-xl', 'transfo_xl'],
  parseConfig: parseTransfoXlConfig,
  build: (c, o) => buildTransfoXl(c as TransfoXlConfig, { withLmHead: o.withLmHead as boolean | undefined }),
  configToJson: (c) => transfoXlConfigToJson(c as TransfoXlConfig),
  headsFromTensorNames: (names) => ({ withLmHead: names.some((n) => n.startsWith('crit.')) }),
  forward: transfoXlForward,
};
