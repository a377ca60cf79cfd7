/** Transformer-XL config: Hugging Face config.json keys <-> {@link TransfoXlConfig}. */
import { Bert4tfjsError } from '@bert4tfjs/core';
import { intKey, numKey, type RawConfig } from '../config.ts';

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
