/**
 * Original Transformer-XL TensorFlow checkpoints (kimiyoung/transformer-xl names, also what
 * CyberZHG/keras-transformer-xl loads) -> Hugging Face names, so the one weight map of transfo-xl.ts
 * loads them. Linear kernels are stored [in, out] in TF and [out, in] in Hugging Face (transposed here);
 * untied r_w_bias / r_r_bias are stacked [n_layer, H, d] in TF and split per layer here.
 */
import { Bert4tfjsError, float32ToRaw, rawToFloat32, type NamedTensors, type RawTensor } from '@bert4tfjs/core';
import type { RawConfig } from '../config.ts';

function transposed(t: RawTensor, name: string): RawTensor {
  if (t.shape.length !== 2)
    throw new Bert4tfjsError(`${name}: expected a 2-D kernel, has shape [${t.shape}]`, 'bad-tensor');
  const [r, c] = t.shape;
  const v = rawToFloat32(t, name);
  const out = new Float32Array(v.length);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = v[i * c + j];
  return float32ToRaw(out, [c, r]);
}

function identity(n: number): RawTensor {
  const v = new Float32Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  return float32ToRaw(v, [n, n]);
}

function sliceFirst(t: RawTensor, i: number, name: string): RawTensor {
  const v = rawToFloat32(t, name);
  const rest = t.shape.slice(1);
  const size = rest.reduce((a, b) => a * b, 1);
  return float32ToRaw(v.slice(i * size, (i + 1) * size), rest);
}

const LAYER_RENAMES: Array<[string, string, boolean]> = [
  ['rel_attn/qkv/kernel', 'dec_attn.qkv_net.weight', true],
  ['rel_attn/r/kernel', 'dec_attn.r_net.weight', true],
  ['rel_attn/o/kernel', 'dec_attn.o_net.weight', true],
  ['rel_attn/LayerNorm/gamma', 'dec_attn.layer_norm.weight', false],
  ['rel_attn/LayerNorm/beta', 'dec_attn.layer_norm.bias', false],
  ['ff/layer_1/kernel', 'pos_ff.CoreNet.0.weight', true],
  ['ff/layer_1/bias', 'pos_ff.CoreNet.0.bias', false],
  ['ff/layer_2/kernel', 'pos_ff.CoreNet.3.weight', true],
  ['ff/layer_2/bias', 'pos_ff.CoreNet.3.bias', false],
  ['ff/LayerNorm/gamma', 'pos_ff.layer_norm.weight', false],
  ['ff/LayerNorm/beta', 'pos_ff.layer_norm.bias', false],
];

/**
 * Renames (and transposes / splits) the tensors of an original Transformer-XL TF checkpoint to Hugging
 * Face `TransfoXLLMHeadModel` names. Adaptive embeddings whose bucket has no `proj_W` (its width equals
 * d_model) get an identity projection, which Hugging Face always stores for div_val > 1. Unknown
 * names (optimizer slots, global_step) are an error listing them; drop them first with
 * readTfCheckpoint's `skipOptimizerSlots`.
 */
export function transfoXlTfToHf(tensors: NamedTensors): NamedTensors {
  const out: NamedTensors = new Map();
  const used = new Set<string>();
  const get = (name: string): RawTensor | undefined => {
    const t = tensors.get(name);
    if (t) used.add(name);
    return t;
  };
  const nLayer = [...tensors.keys()].filter((n) => /^transformer\/layer_\d+\/rel_attn\/qkv\/kernel$/.test(n)).length;
  if (nLayer === 0)
    throw new Bert4tfjsError(
      'not a Transformer-XL TF checkpoint: no transformer/layer_{i}/rel_attn/qkv/kernel',
      'bad-checkpoint',
    );
  const dModel = tensors.get('transformer/layer_0/rel_attn/qkv/kernel')!.shape[0];

  // Embedding: one table (div_val 1) or one per cutoff bucket.
  const single = get('transformer/adaptive_embed/lookup_table');
  if (single) {
    out.set('transformer.word_emb.emb_layers.0.weight', single);
    const p = get('transformer/adaptive_embed/proj_W');
    if (p) out.set('transformer.word_emb.emb_projs.0', transposed(p, 'transformer/adaptive_embed/proj_W'));
  } else {
    for (let i = 0; ; i++) {
      const table = get(`transformer/adaptive_embed/cutoff_${i}/lookup_table`);
      if (!table) break;
      out.set(`transformer.word_emb.emb_layers.${i}.weight`, table);
      const p = get(`transformer/adaptive_embed/cutoff_${i}/proj_W`);
      if (p)
        out.set(`transformer.word_emb.emb_projs.${i}`, transposed(p, `transformer/adaptive_embed/cutoff_${i}/proj_W`));
      else if (table.shape[1] === dModel) out.set(`transformer.word_emb.emb_projs.${i}`, identity(dModel));
      else
        throw new Bert4tfjsError(
          `transformer/adaptive_embed/cutoff_${i}: no proj_W, and its width ${table.shape[1]} is not d_model ${dModel}`,
          'bad-checkpoint',
        );
    }
  }

  // Relative biases: [n_layer, H, d] when untied, [H, d] when shared.
  for (const kind of ['r_w_bias', 'r_r_bias']) {
    const t = get(`transformer/${kind}`);
    if (!t) throw new Bert4tfjsError(`TF checkpoint has no transformer/${kind}`, 'bad-checkpoint');
    if (t.shape.length === 3) {
      if (t.shape[0] !== nLayer)
        throw new Bert4tfjsError(
          `transformer/${kind} has shape [${t.shape}], expected [${nLayer}, H, d]`,
          'bad-checkpoint',
        );
      for (let i = 0; i < nLayer; i++)
        out.set(`transformer.layers.${i}.dec_attn.${kind}`, sliceFirst(t, i, `transformer/${kind}`));
    } else {
      out.set(`transformer.${kind}`, t);
    }
  }

  for (let i = 0; i < nLayer; i++) {
    for (const [tfSuffix, hfSuffix, transpose] of LAYER_RENAMES) {
      const name = `transformer/layer_${i}/${tfSuffix}`;
      const t = get(name);
      if (!t) throw new Bert4tfjsError(`TF checkpoint has no ${name}`, 'bad-checkpoint');
      out.set(`transformer.layers.${i}.${hfSuffix}`, transpose ? transposed(t, name) : t);
    }
  }

  // Adaptive softmax: a plain bias (div_val 1, no cutoffs) or per-bucket biases, projections, clusters.
  const bias = get('transformer/adaptive_softmax/bias');
  if (bias) out.set('crit.out_layers.0.bias', bias);
  const clusterW = get('transformer/adaptive_softmax/cutoff_0/cluster_W');
  const clusterB = get('transformer/adaptive_softmax/cutoff_0/cluster_b');
  if (clusterW) out.set('crit.cluster_weight', clusterW);
  if (clusterB) out.set('crit.cluster_bias', clusterB);
  for (let i = 0; ; i++) {
    const b = get(`transformer/adaptive_softmax/cutoff_${i}/b`);
    if (!b) break;
    out.set(`crit.out_layers.${i}.bias`, b);
    const p = get(`transformer/adaptive_softmax/cutoff_${i}/proj`);
    // TF applies proj as x·projᵀ ([d_i, d_model]); Hugging Face as x·P with P [d_model, d_i].
    if (p) out.set(`crit.out_projs.${i}`, transposed(p, `transformer/adaptive_softmax/cutoff_${i}/proj`));
  }

  const unknown = [...tensors.keys()].filter((n) => !used.has(n));
  if (unknown.length) {
    throw new Bert4tfjsError(
      `TF checkpoint has ${unknown.length} tensor(s) with no Transformer-XL meaning: ${unknown.slice(0, 10).join(', ')}${unknown.length > 10 ? ', ...' : ''}`,
      'bad-checkpoint',
    );
  }
  return out;
}

/**
 * A Hugging Face transfo-xl config from an original Transformer-XL TF config (the keras-transformer-xl
 * `config.json` keys: n_layer, d_model, d_embed, n_head, d_head, d_inner, vocab_size, mem_len /
 * test_mem_len, test_clamp_len, untie_r, div_val, cutoffs with 0 and vocab_size, share_proj) and the
 * converted tensor names (projection tying follows which softmax projections the checkpoint has).
 * Evaluation settings (test_*) win over training ones; layer norm epsilon is TF's 1e-12.
 */
export function transfoXlTfConfigToHf(tf: RawConfig, hfTensorNames: Iterable<string>): RawConfig {
  const names = new Set(hfTensorNames);
  const vocab = tf.vocab_size ?? tf.n_token;
  const rawCutoffs = Array.isArray(tf.cutoffs) ? (tf.cutoffs as number[]) : [];
  const cutoffs = rawCutoffs.filter((c) => c !== 0 && c !== vocab);
  const divVal = typeof tf.div_val === 'number' ? tf.div_val : 1;
  const tieProjs = [0, ...cutoffs].map((_, i) => (divVal > 1 ? !names.has(`crit.out_projs.${i}`) : false));
  const clamp = tf.test_clamp_len ?? tf.clamp_len ?? -1;
  return {
    model_type: 'transfo-xl',
    vocab_size: vocab,
    d_model: tf.d_model,
    d_embed: tf.d_embed ?? tf.d_model,
    n_head: tf.n_head,
    d_head: tf.d_head,
    d_inner: tf.d_inner,
    n_layer: tf.n_layer,
    mem_len: tf.test_mem_len ?? tf.mem_len ?? 0,
    clamp_len: clamp,
    same_length: tf.same_length ?? false,
    pre_lnorm: tf.pre_lnorm ?? false,
    untie_r: names.has('transformer.layers.0.dec_attn.r_w_bias'),
    cutoffs,
    div_val: divVal,
    tie_projs: tieProjs,
    tie_word_embeddings: true,
    dropout: tf.dropout ?? 0.1,
    dropatt: tf.dropatt ?? 0,
    layer_norm_epsilon: 1e-12,
    attn_type: 0,
  };
}
