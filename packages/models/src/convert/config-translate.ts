/**
 * Config translation between the original releases and Hugging Face config.json: bert_config.json and
 * albert_config.json already use HF's key names (only `model_type` is added and the keys normalised by
 * the family); T5 mesh checkpoints ship a gin file, so the config is read off the tensor shapes;
 * Transformer-XL's TF config lists cutoffs with 0 and vocab_size around them and `share_proj`.
 */
import { Bert4tfjsError } from '@bert4tfjs/core';
import type { RawConfig } from '../config.ts';
import { getFamily } from '../families.ts';
import type { ConvertModel, TensorInfo } from './types.ts';

/** Hugging Face `model_type` written for each convert model. */
export function hfModelType(model: ConvertModel): string {
  if (model === 'wobert' || model === 'roberta-wwm') return 'bert';
  if (model === 't5.1.1') return 't5';
  return model;
}

const ARCHITECTURES: Record<string, string> = {
  bert: 'BertForPreTraining',
  albert: 'AlbertForPreTraining',
  t5: 'T5ForConditionalGeneration',
  mt5: 'MT5ForConditionalGeneration',
  'transfo-xl': 'TransfoXLLMHeadModel',
  electra: 'ElectraForPreTraining',
  roberta: 'RobertaForMaskedLM',
};

/** Runs a raw config through the family (validating it) and returns canonical config.json keys. */
export function normaliseHfConfig(model: ConvertModel, raw: RawConfig, source: string): RawConfig {
  const family = getFamily(model);
  const type = hfModelType(model);
  const json = family.configToJson(family.parseConfig({ ...raw, model_type: type }, source), model);
  return { architectures: [ARCHITECTURES[type] ?? type], ...json, model_type: type };
}

function shapeOf(listing: Map<string, TensorInfo>, name: string): number[] | undefined {
  return listing.get(name)?.shape;
}

/** A T5 config.json read off a mesh checkpoint's shapes (the heads come from the position-bias table). */
export function t5ConfigFromTensors(listing: TensorInfo[]): RawConfig {
  const by = new Map(listing.map((t) => [t.name.replace(/^module\//, ''), t]));
  const emb = shapeOf(by, 'shared/embedding');
  const bias = shapeOf(by, 'encoder/block_000/layer_000/SelfAttention/relative_attention_bias');
  const q = shapeOf(by, 'encoder/block_000/layer_000/SelfAttention/q');
  const wi =
    shapeOf(by, 'encoder/block_000/layer_001/DenseReluDense/wi_0/kernel') ??
    shapeOf(by, 'encoder/block_000/layer_001/DenseReluDense/wi/kernel');
  if (!emb || !bias || !q || !wi) {
    throw new Bert4tfjsError(
      'cannot infer the T5 config from the checkpoint: it needs shared/embedding, encoder/block_000/layer_000/SelfAttention/{q,relative_attention_bias} ' +
        'and encoder/block_000/layer_001/DenseReluDense/wi(_0)/kernel; pass --config config.json',
      'bad-checkpoint',
    );
  }
  const blocks = (stack: string): number =>
    new Set([...by.keys()].filter((n) => n.startsWith(`${stack}/block_`)).map((n) => n.split('/')[1])).size;
  const gated = by.has('encoder/block_000/layer_001/DenseReluDense/wi_0/kernel');
  return {
    vocab_size: emb[0],
    d_model: emb[1],
    num_heads: bias[0],
    relative_attention_num_buckets: bias[1],
    d_kv: q[1] / bias[0],
    d_ff: wi[1],
    num_layers: blocks('encoder'),
    num_decoder_layers: blocks('decoder'),
    feed_forward_proj: gated ? 'gated-gelu' : 'relu',
    tie_word_embeddings: !by.has('decoder/logits/kernel'),
    relative_attention_max_distance: 128,
    layer_norm_epsilon: 1e-6,
    dropout_rate: 0.1,
    pad_token_id: 0,
    eos_token_id: 1,
    decoder_start_token_id: 0,
  };
}

/** A Transformer-XL config.json from the kimiyoung TF config (cutoffs framed by 0 and vocab) and the listing. */
export function transfoXlConfigFromTf(original: RawConfig, listing: TensorInfo[]): RawConfig {
  if (typeof original.model_type === 'string') return original;
  const names = new Set(listing.map((t) => t.name));
  const vocab = original.vocab_size ?? original.n_token;
  let cutoffs = Array.isArray(original.cutoffs) ? [...(original.cutoffs as number[])] : [];
  if (cutoffs[0] === 0) cutoffs = cutoffs.slice(1);
  if (cutoffs.length && cutoffs[cutoffs.length - 1] === vocab) cutoffs = cutoffs.slice(0, -1);
  const divVal = typeof original.div_val === 'number' ? original.div_val : 1;
  const buckets = cutoffs.length + 1;
  // A softmax projection TF did not store is shared with (tied to) the embedding's.
  const tieProjs = Array.from(
    { length: buckets },
    (_, i) =>
      !names.has(divVal > 1 ? `transformer/adaptive_softmax/cutoff_${i}/proj` : 'transformer/adaptive_softmax/proj'),
  );
  const rw = listing.find((t) => t.name === 'transformer/r_w_bias');
  return {
    vocab_size: vocab,
    d_model: original.d_model,
    d_embed: original.d_embed ?? original.d_model,
    n_head: original.n_head,
    d_head: original.d_head,
    d_inner: original.d_inner,
    n_layer: original.n_layer,
    mem_len: original.mem_len ?? 0,
    clamp_len: original.test_clamp_len ?? original.clamp_len ?? 1000,
    same_length: original.same_length ?? false,
    untie_r: rw ? rw.shape.length === 3 : original.untie_r !== false,
    cutoffs,
    div_val: divVal,
    tie_projs: tieProjs,
    dropout: original.dropout ?? 0.1,
    dropatt: original.dropatt ?? 0,
    pre_lnorm: original.pre_lnorm ?? false,
    tie_word_embeddings: true,
  };
}

/** The inverse of {@link transfoXlConfigFromTf}: the kimiyoung-style keys for a TF export. */
export function transfoXlConfigToTf(hf: RawConfig): RawConfig {
  const cutoffs = Array.isArray(hf.cutoffs) ? (hf.cutoffs as number[]) : [];
  const divVal = typeof hf.div_val === 'number' ? hf.div_val : 1;
  return {
    n_layer: hf.n_layer,
    d_model: hf.d_model,
    d_embed: hf.d_embed,
    n_head: hf.n_head,
    d_head: hf.d_head,
    d_inner: hf.d_inner,
    mem_len: hf.mem_len,
    clamp_len: hf.clamp_len,
    same_length: hf.same_length,
    dropout: hf.dropout,
    dropatt: hf.dropatt,
    pre_lnorm: hf.pre_lnorm,
    vocab_size: hf.vocab_size,
    div_val: divVal,
    cutoffs: [0, ...cutoffs, hf.vocab_size],
    untie_r: hf.untie_r,
    share_proj: hf.tie_projs,
    proj_same_dim: divVal > 1,
  };
}

/** The original-release config keys for a TF export: HF's minus the keys only HF reads. */
export function originalConfigFromHf(model: ConvertModel, hf: RawConfig): RawConfig {
  if (model === 'transfo-xl') return transfoXlConfigToTf(hf);
  if (model.startsWith('t5') || model === 'mt5') return hf;
  const {
    model_type: _t,
    architectures: _a,
    pad_token_id: _p,
    torch_dtype: _d,
    transformers_version: _v,
    ...rest
  } = hf;
  return rest;
}
