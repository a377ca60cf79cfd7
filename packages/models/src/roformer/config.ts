/**
 * RoFormer configs (Hugging Face `RoFormerConfig` keys) and the three variants bert4keras offers:
 * `roformer` (rotary BERT), `roformer-sim` (the same encoder read through a linear pooler) and
 * `roformer-v2` (no biases, scale-free RMS norm). The variant is a default for the keys that tell them
 * apart, so a config.json written by {@link roformerConfigToJson} rebuilds the same variant.
 */
import { Bert4tfjsError } from '@bert4tfjs/core';
import { bertConfigToJson, parseBertConfig, type BertConfig } from '../bert/config.ts';
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
  /** Biases in attention, feed-forward and the embedding projection (`use_bias`); null: the variant's default. */
  useBias: boolean | null;
  /** `layer_norm`, or `rms_norm` (V2: x / rms(x), no gain, no shift) (`norm_type`); null: the variant's default. */
  normType: 'layer_norm' | 'rms_norm' | null;
  /** Activation of the pooler (`pooler_activation`); null: the variant's default (tanh; linear for Sim). */
  poolerActivation: string | null;
}

/** A config with the variant's defaults filled in: what the builder and the name tables use. */
export interface ResolvedRoformerConfig extends RoformerConfig {
  useBias: boolean;
  normType: 'layer_norm' | 'rms_norm';
  poolerActivation: string;
}

/** The variant a model name stands for (`roformer` for any other name). */
export function roformerVariant(name: unknown): RoformerVariant {
  return (ROFORMER_NAMES as readonly unknown[]).includes(name) ? (name as RoformerVariant) : 'roformer';
}

function boolKey(cfg: RawConfig, key: string, source: string): boolean | null {
  const v = cfg[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'boolean') {
    throw new Bert4tfjsError(`${source}: '${key}' must be true or false, got ${JSON.stringify(v)}`, 'bad-config');
  }
  return v;
}

/** Reads a RoFormer config; keys that tell the variants apart stay null when absent (see {@link resolveRoformerConfig}). */
export function parseRoformerConfig(cfg: RawConfig, source = 'config'): RoformerConfig {
  const bert = parseBertConfig({ max_position_embeddings: 1536, ...cfg }, source);
  const normType = cfg.norm_type == null ? null : strKey(cfg, 'norm_type', source);
  if (normType !== null && normType !== 'layer_norm' && normType !== 'rms_norm') {
    throw new Bert4tfjsError(
      `${source}: norm_type '${normType}' is not supported for roformer (layer_norm, rms_norm)`,
      'bad-config',
    );
  }
  const c: RoformerConfig = {
    ...bert,
    embeddingSize: intKey(cfg, 'embedding_size', source, bert.hiddenSize),
    rotaryValue: boolKey(cfg, 'rotary_value', source) ?? false,
    useBias: boolKey(cfg, 'use_bias', source),
    normType,
    poolerActivation: cfg.pooler_activation == null ? null : strKey(cfg, 'pooler_activation', source),
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

/** Fills the keys a config left open with `variant`'s defaults (V2: no biases, RMS norm; Sim: linear pooler). */
export function resolveRoformerConfig(c: RoformerConfig, variant: RoformerVariant): ResolvedRoformerConfig {
  const v2 = variant === 'roformer-v2';
  return {
    ...c,
    useBias: c.useBias ?? !v2,
    normType: c.normType ?? (v2 ? 'rms_norm' : 'layer_norm'),
    poolerActivation: c.poolerActivation ?? (variant === 'roformer-sim' ? 'linear' : 'tanh'),
  };
}

/** The config.json keys of a RoFormer config as `variant`; `model_type` stays `roformer` as Hugging Face writes it. */
export function roformerConfigToJson(config: RoformerConfig, variant: RoformerVariant = 'roformer'): RawConfig {
  const c = resolveRoformerConfig(config, variant);
  return {
    ...bertConfigToJson(c, 'roformer'),
    embedding_size: c.embeddingSize,
    rotary_value: c.rotaryValue,
    use_bias: c.useBias,
    norm_type: c.normType,
    pooler_activation: c.poolerActivation,
  };
}
