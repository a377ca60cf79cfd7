/**
 * GPT-2's config.json (Hugging Face `GPT2Config` keys) and the translation from OpenAI's `hparams.json`
 * (`n_vocab`, `n_ctx`, `n_embd`, `n_head`, `n_layer`), which is all the original TF release ships.
 */
import { Bert4tfjsError } from '@bert4tfjs/core';
import { intKey, numKey, strKey, type RawConfig } from '../config.ts';

/** GPT-2 hyper-parameters (config.json keys, camel-cased). */
export interface Gpt2Config {
  vocabSize: number;
  /** Learned positions: the longest sequence (prompt + generated) the model takes. */
  nPositions: number;
  nEmbd: number;
  nLayer: number;
  nHead: number;
  /** Feed-forward width (`n_inner`; null in the config means 4 * n_embd). */
  nInner: number;
  activationFunction: string;
  residPdrop: number;
  embdPdrop: number;
  attnPdrop: number;
  layerNormEpsilon: number;
  initializerRange: number;
  /** Scale attention scores by 1/sqrt(head_dim) (true in every released GPT-2). */
  scaleAttnWeights: boolean;
  /** Also scale layer i's scores by 1/(i + 1) (Mistral's stabilised GPT-2 variants). */
  scaleAttnByInverseLayerIdx: boolean;
  /** The LM head is the token embedding (true for GPT-2; false needs a stored `lm_head.weight`). */
  tieWordEmbeddings: boolean;
  bosTokenId: number;
  eosTokenId: number;
}

function boolKey(cfg: RawConfig, key: string, source: string, fallback: boolean): boolean {
  const v = cfg[key] ?? fallback;
  if (typeof v !== 'boolean') {
    throw new Bert4tfjsError(
      `${source}: '${key}' must be true or false, got ${JSON.stringify(cfg[key])}`,
      'bad-config',
    );
  }
  return v;
}

/** Reads a GPT-2 config from config.json keys; `source` names the file in errors. */
export function parseGpt2Config(cfg: RawConfig, source = 'config'): Gpt2Config {
  const nEmbd = intKey(cfg, 'n_embd', source, 768);
  const c: Gpt2Config = {
    vocabSize: intKey(cfg, 'vocab_size', source, 50257),
    // Old configs (and hparams.json) call it n_ctx.
    nPositions: intKey(
      cfg,
      cfg.n_positions === undefined && cfg.n_ctx !== undefined ? 'n_ctx' : 'n_positions',
      source,
      1024,
    ),
    nEmbd,
    nLayer: intKey(cfg, 'n_layer', source, 12),
    nHead: intKey(cfg, 'n_head', source, 12),
    nInner: cfg.n_inner === null || cfg.n_inner === undefined ? 4 * nEmbd : intKey(cfg, 'n_inner', source),
    activationFunction: strKey(cfg, 'activation_function', source, 'gelu_new'),
    residPdrop: numKey(cfg, 'resid_pdrop', source, 0.1),
    embdPdrop: numKey(cfg, 'embd_pdrop', source, 0.1),
    attnPdrop: numKey(cfg, 'attn_pdrop', source, 0.1),
    layerNormEpsilon: numKey(cfg, 'layer_norm_epsilon', source, 1e-5),
    initializerRange: numKey(cfg, 'initializer_range', source, 0.02),
    scaleAttnWeights: boolKey(cfg, 'scale_attn_weights', source, true),
    scaleAttnByInverseLayerIdx: boolKey(cfg, 'scale_attn_by_inverse_layer_idx', source, false),
    tieWordEmbeddings: boolKey(cfg, 'tie_word_embeddings', source, true),
    bosTokenId: intKey(cfg, 'bos_token_id', source, 50256),
    eosTokenId: intKey(cfg, 'eos_token_id', source, 50256),
  };
  for (const k of ['vocabSize', 'nPositions', 'nEmbd', 'nHead', 'nInner'] as const) {
    if (c[k] < 1) throw new Bert4tfjsError(`${source}: '${k}' must be >= 1, got ${c[k]}`, 'bad-config');
  }
  if (c.nEmbd % c.nHead !== 0) {
    throw new Bert4tfjsError(`${source}: n_embd ${c.nEmbd} is not a multiple of n_head ${c.nHead}`, 'bad-config');
  }
  for (const k of ['residPdrop', 'embdPdrop', 'attnPdrop'] as const) {
    if (c[k] < 0 || c[k] >= 1)
      throw new Bert4tfjsError(`${source}: '${k}' must be in [0, 1), got ${c[k]}`, 'bad-config');
  }
  return c;
}

/** The config.json keys of a GPT-2 config (inverse of {@link parseGpt2Config}). */
export function gpt2ConfigToJson(c: Gpt2Config): RawConfig {
  return {
    model_type: 'gpt2',
    vocab_size: c.vocabSize,
    n_positions: c.nPositions,
    n_embd: c.nEmbd,
    n_layer: c.nLayer,
    n_head: c.nHead,
    n_inner: c.nInner,
    activation_function: c.activationFunction,
    resid_pdrop: c.residPdrop,
    embd_pdrop: c.embdPdrop,
    attn_pdrop: c.attnPdrop,
    layer_norm_epsilon: c.layerNormEpsilon,
    initializer_range: c.initializerRange,
    scale_attn_weights: c.scaleAttnWeights,
    scale_attn_by_inverse_layer_idx: c.scaleAttnByInverseLayerIdx,
    tie_word_embeddings: c.tieWordEmbeddings,
    bos_token_id: c.bosTokenId,
    eos_token_id: c.eosTokenId,
  };
}

/**
 * OpenAI's `hparams.json` (n_vocab, n_ctx, n_embd, n_head, n_layer) as Hugging Face config.json keys.
 * A config that already has `model_type` is returned as is. The original release used GPT-2's defaults
 * for everything else (gelu_new, LN eps 1e-5, `<|endoftext|>` = 50256 as bos/eos, when the vocabulary has it).
 */
export function gpt2ConfigFromHparams(hparams: RawConfig, source = 'hparams.json'): RawConfig {
  if (typeof hparams.model_type === 'string') return hparams;
  const missing = ['n_vocab', 'n_ctx', 'n_embd', 'n_head', 'n_layer'].filter((k) => hparams[k] === undefined);
  if (missing.length) {
    throw new Bert4tfjsError(
      `${source}: not a GPT-2 hparams.json (missing ${missing.join(', ')}); expected n_vocab, n_ctx, n_embd, n_head, n_layer`,
      'bad-config',
    );
  }
  const vocab = intKey(hparams, 'n_vocab', source);
  // The end-of-text id is the last token of GPT-2's vocabulary; a smaller vocabulary has no 50256.
  const eos = vocab > 50256 ? 50256 : vocab - 1;
  return {
    model_type: 'gpt2',
    vocab_size: vocab,
    n_positions: intKey(hparams, 'n_ctx', source),
    n_embd: intKey(hparams, 'n_embd', source),
    n_head: intKey(hparams, 'n_head', source),
    n_layer: intKey(hparams, 'n_layer', source),
    n_inner: null,
    activation_function: 'gelu_new',
    layer_norm_epsilon: 1e-5,
    bos_token_id: eos,
    eos_token_id: eos,
  };
}
