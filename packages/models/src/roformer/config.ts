/**
 * RoFormer configs (Hugging Face `RoFormerConfig` keys) and the three variants bert4keras offers:
 * `roformer` (rotary BERT), `roformer-sim` (the same encoder read through a linear pooler) and
 * `roformer-v2` (no biases, scale-free RMS norm). The variant is a default for the keys that tell them
 * apart, so a config.json written by {@link roformerConfigToJson} rebuilds the same variant.
 */
import { Bert4tfjsError } from '@bert4tfjs/core';
import { bertConfigToJson, parseBertConfig, type BertConfig } from '../bert.ts';
import { intKey, strKey, type RawConfig } from '../config.ts';

/** The model names this family answers to. */
export const ROFORMER_NAMES = ['roformer', 'roformer-sim', 'roformer-v2'] as const;

/** One of {@link ROFORMER_NAMES}. */
export type RoformerVariant = (typeof ROFORMER_NAMES)[number];

/** RoFormer hyper-parameters: BERT's plus the embedding width and the variant switches. */
export interface RoformerConfig extends BertConfig {
  /** Width E of the embeddings; E ≠ H adds `roformer.embeddings_project` (E -> H). */
  embeddingSize: number;
  /** Rotate the values too (`rotary_value`). */
  rotaryValue: boolean;
  /** Biases in attention, feed-forward and the embedding projection (`use_bias`; false for V2). */
  useBias: boolean;
  /** `layer_norm` (mean and variance, gain and shift) or `rms_norm` (V2: x / rms(x), no gain, no shift). */
  normType: 'layer_norm' | 'rms_norm';
  /** Activation of the pooler (`pooler_activation`): tanh, or linear for RoFormer-Sim. */
  poolerActivation: string;
}

function boolKey(cfg: RawConfig, key: string, source: string, fallback: boolean): boolean {
  const v = cfg[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'boolean')
    throw new Bert4tfjsError(`${source}: '${key}' must be true or false, got ${JSON.stringify(v)}`, 'bad-config');
  return v;
}

/** Reads a RoFormer config; `variant` supplies the defaults of the keys the config does not set. */
export function parseRoformerConfig(
  cfg: RawConfig,
  source = 'config',
  variant: RoformerVariant = 'roformer',
): RoformerConfig {
  const v2 = variant === 'roformer-v2';
  const bert = parseBertConfig({ max_position_embeddings: 1536, ...cfg }, source);
  const normType = strKey(cfg, 'norm_type', source, v2 ? 'rms_norm' : 'layer_norm');
  if (normType !== 'layer_norm' && normType !== 'rms_norm') {
    throw new Bert4tfjsError(
      `${source}: norm_type '${normType}' is not supported for roformer (layer_norm, rms_norm)`,
      'bad-config',
    );
  }
  const c: RoformerConfig = {
    ...bert,
    embeddingSize: intKey(cfg, 'embedding_size', source, bert.hiddenSize),
    rotaryValue: boolKey(cfg, 'rotary_value', source, false),
    useBias: boolKey(cfg, 'use_bias', source, !v2),
    normType,
    poolerActivation: strKey(cfg, 'pooler_activation', source, variant === 'roformer-sim' ? 'linear' : 'tanh'),
  };
  const headSize = c.hiddenSize / c.numAttentionHeads;
  if (headSize % 2 !== 0) {
    throw new Bert4tfjsError(
      `${source}: rotary positions need an even head size; hidden_size ${c.hiddenSize} / num_attention_heads ${c.numAttentionHeads} = ${headSize}`,
      'bad-config',
    );
  }
  return c;
}

/** The config.json keys of a RoFormer config; `model_type` stays `roformer` as Hugging Face writes it. */
export function roformerConfigToJson(c: RoformerConfig): RawConfig {
  return {
    ...bertConfigToJson(c, 'roformer'),
    embedding_size: c.embeddingSize,
    rotary_value: c.rotaryValue,
    use_bias: c.useBias,
    norm_type: c.normType,
    pooler_activation: c.poolerActivation,
  };
}
