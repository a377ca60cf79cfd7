/**
 * Transformer-XL's original TF config (kimiyoung/transformer-xl flags, also CyberZHG/keras-transformer-xl's
 * config.json: cutoffs framed by 0 and vocab_size, `share_proj`, `test_*` evaluation settings) <->
 * Hugging Face config.json. The one translation `convert` uses; the defaults are the TF release's, not
 * Hugging Face's, because they describe how the TF checkpoint was run:
 * - `mem_len` / `clamp_len`: the evaluation settings `test_mem_len` / `test_clamp_len` win over the
 *   training ones (Hugging Face's converted wt103 config took the evaluation values too); an absent
 *   clamp length is TF's flag default -1 (no clamping), not Hugging Face's 1000;
 * - `layer_norm_epsilon`: 1e-12, the epsilon of `tf.contrib.layers.layer_norm` that the TF model uses
 *   (Hugging Face's default 1e-5 is PyTorch's);
 * - `untie_r` from the shape of `transformer/r_w_bias` ([n_layer, H, d] when untied), `tie_projs` from
 *   which softmax projections the checkpoint stores (one TF did not store is the embedding's).
 */
import type { RawConfig } from '../config.ts';
import type { TensorInfo } from '../convert/types.ts';

/** The variance epsilon of `tf.contrib.layers.layer_norm`, which the TF Transformer-XL uses. */
export const TF_LAYER_NORM_EPSILON = 1e-12;

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
    mem_len: original.test_mem_len ?? original.mem_len ?? 0,
    clamp_len: original.test_clamp_len ?? original.clamp_len ?? -1,
    same_length: original.same_length ?? false,
    untie_r: rw ? rw.shape.length === 3 : original.untie_r !== false,
    cutoffs,
    div_val: divVal,
    tie_projs: tieProjs,
    dropout: original.dropout ?? 0.1,
    dropatt: original.dropatt ?? 0,
    pre_lnorm: original.pre_lnorm ?? false,
    layer_norm_epsilon: original.layer_norm_epsilon ?? TF_LAYER_NORM_EPSILON,
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
    layer_norm_epsilon: hf.layer_norm_epsilon,
    vocab_size: hf.vocab_size,
    div_val: divVal,
    cutoffs: [0, ...cutoffs, hf.vocab_size],
    untie_r: hf.untie_r,
    share_proj: hf.tie_projs,
    proj_same_dim: divVal > 1,
  };
}
