/** T5 / T5.1.1 / mT5 config: Hugging Face config.json keys <-> {@link T5Config}. */
import { Bert4tfjsError } from '@bert4tfjs/core';
import { intKey, numKey, strKey, type RawConfig } from '../config.ts';

/** T5 hyper-parameters (Hugging Face config.json keys, camel-cased). */
export interface T5Config {
  modelType: 't5' | 'mt5';
  vocabSize: number;
  dModel: number;
  dKv: number;
  dFf: number;
  numLayers: number;
  numDecoderLayers: number;
  numHeads: number;
  relativeAttentionNumBuckets: number;
  relativeAttentionMaxDistance: number;
  dropoutRate: number;
  layerNormEpsilon: number;
  initializerFactor: number;
  /** `relu` (T5 v1.0) or `gated-gelu` (T5.1.1, mT5), as in the config. */
  feedForwardProj: string;
  /** The activation the feed-forward uses (derived from feedForwardProj, `gated-gelu` -> gelu_new). */
  denseActFn: string;
  isGatedAct: boolean;
  /** Tied: the LM head is the token embedding and the decoder output is scaled by dModel^-0.5 first. */
  tieWordEmbeddings: boolean;
  padTokenId: number;
  eosTokenId: number;
  decoderStartTokenId: number;
}

/** Reads a T5/mT5 config from config.json keys; `source` names the file in errors. */
export function parseT5Config(cfg: RawConfig, source = 'config'): T5Config {
  const modelType = cfg.model_type === 'mt5' ? 'mt5' : 't5';
  // Hugging Face's defaults: T5Config is v1.0 (relu, tied); MT5Config is v1.1 (gated-gelu, untied).
  const proj = strKey(cfg, 'feed_forward_proj', source, modelType === 'mt5' ? 'gated-gelu' : 'relu');
  const parts = proj.split('-');
  if (parts.length > 2 || (parts.length === 2 && parts[0] !== 'gated') || !parts[parts.length - 1]) {
    throw new Bert4tfjsError(
      `${source}: 'feed_forward_proj' must be 'ACT' or 'gated-ACT' (e.g. relu, gated-gelu), got '${proj}'`,
      'bad-config',
    );
  }
  const isGatedAct = parts.length === 2;
  // 'gated-gelu' means the tanh approximation in every released T5.1.1/mT5 checkpoint.
  const denseActFn = proj === 'gated-gelu' ? 'gelu_new' : parts[parts.length - 1];
  const tie = cfg.tie_word_embeddings ?? modelType === 't5';
  if (typeof tie !== 'boolean')
    throw new Bert4tfjsError(
      `${source}: 'tie_word_embeddings' must be true or false, got ${JSON.stringify(tie)}`,
      'bad-config',
    );
  const numLayers = intKey(cfg, 'num_layers', source, 6);
  const c: T5Config = {
    modelType,
    vocabSize: intKey(cfg, 'vocab_size', source),
    dModel: intKey(cfg, 'd_model', source),
    dKv: intKey(cfg, 'd_kv', source, 64),
    dFf: intKey(cfg, 'd_ff', source),
    numLayers,
    numDecoderLayers: intKey(cfg, 'num_decoder_layers', source, numLayers),
    numHeads: intKey(cfg, 'num_heads', source),
    relativeAttentionNumBuckets: intKey(cfg, 'relative_attention_num_buckets', source, 32),
    relativeAttentionMaxDistance: intKey(cfg, 'relative_attention_max_distance', source, 128),
    dropoutRate: numKey(cfg, 'dropout_rate', source, 0.1),
    layerNormEpsilon: numKey(cfg, 'layer_norm_epsilon', source, 1e-6),
    initializerFactor: numKey(cfg, 'initializer_factor', source, 1),
    feedForwardProj: proj,
    denseActFn,
    isGatedAct,
    tieWordEmbeddings: tie,
    padTokenId: intKey(cfg, 'pad_token_id', source, 0),
    eosTokenId: intKey(cfg, 'eos_token_id', source, 1),
    decoderStartTokenId: intKey(cfg, 'decoder_start_token_id', source, 0),
  };
  for (const k of ['vocabSize', 'dModel', 'dKv', 'dFf', 'numHeads'] as const) {
    if (c[k] < 1) throw new Bert4tfjsError(`${source}: '${k}' must be >= 1, got ${c[k]}`, 'bad-config');
  }
  if (c.dropoutRate < 0 || c.dropoutRate >= 1)
    throw new Bert4tfjsError(`${source}: 'dropout_rate' must be in [0, 1), got ${c.dropoutRate}`, 'bad-config');
  return c;
}

/** The config.json keys of a T5 config (inverse of {@link parseT5Config}). */
export function t5ConfigToJson(c: T5Config, modelType = c.modelType): RawConfig {
  return {
    model_type: modelType === 'mt5' ? 'mt5' : 't5',
    vocab_size: c.vocabSize,
    d_model: c.dModel,
    d_kv: c.dKv,
    d_ff: c.dFf,
    num_layers: c.numLayers,
    num_decoder_layers: c.numDecoderLayers,
    num_heads: c.numHeads,
    relative_attention_num_buckets: c.relativeAttentionNumBuckets,
    relative_attention_max_distance: c.relativeAttentionMaxDistance,
    dropout_rate: c.dropoutRate,
    layer_norm_epsilon: c.layerNormEpsilon,
    initializer_factor: c.initializerFactor,
    feed_forward_proj: c.feedForwardProj,
    dense_act_fn: c.denseActFn,
    is_gated_act: c.isGatedAct,
    tie_word_embeddings: c.tieWordEmbeddings,
    pad_token_id: c.padTokenId,
    eos_token_id: c.eosTokenId,
    decoder_start_token_id: c.decoderStartTokenId,
    is_encoder_decoder: true,
  };
}
