/**
 * Transformer-XL: kimiyoung/transformer-xl TF variable names <-> Hugging Face names. Per-layer
 * `r_w_bias`/`r_r_bias` are one stacked [n_layer, heads, d_head] variable in TF when untied (rows are
 * split out); projections are stored [d_emb_i, d_proj] (transposed). TF skips a projection whose widths
 * already match (`proj_same_dim` false), which Hugging Face models as an identity matrix.
 */
import type { RawConfig } from '../config.ts';
import { configInt, layerNorm } from '../convert/rule-helpers.ts';
import type { NameRule } from '../convert/types.ts';

/** A dense layer `scope/{kernel,bias}` -> `hf.{weight,bias}`; kernel transposed, bias optional. */
function xlDense(tf: string, hf: string, withBias: boolean): NameRule[] {
  const rules: NameRule[] = [{ tf: `${tf}/kernel`, hf: `${hf}.weight`, transpose: true }];
  if (withBias) rules.push({ tf: `${tf}/bias`, hf: `${hf}.bias` });
  return rules;
}

/** The name table of a Transformer-XL config (Hugging Face keys: cutoffs without 0 and vocab_size). */
export function transfoXlNameRules(config: RawConfig): NameRule[] {
  const nLayer = configInt(config, 'n_layer');
  const dModel = configInt(config, 'd_model');
  const dEmbed = configInt(config, 'd_embed', dModel);
  const divVal = configInt(config, 'div_val', 1);
  const cutoffs = Array.isArray(config.cutoffs) ? (config.cutoffs as number[]) : [];
  const tieProjs = Array.isArray(config.tie_projs) ? (config.tie_projs as boolean[]) : [];
  const untieR = config.untie_r !== false;
  const rules: NameRule[] = [];
  const width = (i: number): number => Math.floor(dEmbed / divVal ** i);
  const projRule = (tf: string, hf: string, i: number): NameRule =>
    width(i) === dModel
      ? { tf, hf, transpose: true, identityIfAbsent: [dModel, width(i)] }
      : { tf, hf, transpose: true };

  if (divVal === 1) {
    rules.push({ tf: 'transformer/adaptive_embed/lookup_table', hf: 'transformer.word_emb.emb_layers.0.weight' });
    if (dEmbed !== dModel)
      rules.push(projRule('transformer/adaptive_embed/proj_W', 'transformer.word_emb.emb_projs.0', 0));
    if (cutoffs.length === 0) rules.push({ tf: 'transformer/adaptive_softmax/bias', hf: 'crit.out_layers.0.bias' });
    if (dEmbed !== dModel && tieProjs[0] === false)
      rules.push(projRule('transformer/adaptive_softmax/proj', 'crit.out_projs.0', 0));
  } else {
    for (let i = 0; i <= cutoffs.length; i++) {
      rules.push(
        {
          tf: `transformer/adaptive_embed/cutoff_${i}/lookup_table`,
          hf: `transformer.word_emb.emb_layers.${i}.weight`,
        },
        projRule(`transformer/adaptive_embed/cutoff_${i}/proj_W`, `transformer.word_emb.emb_projs.${i}`, i),
      );
    }
  }
  if (divVal > 1 || cutoffs.length > 0) {
    for (let i = 0; i <= cutoffs.length; i++) {
      rules.push({ tf: `transformer/adaptive_softmax/cutoff_${i}/b`, hf: `crit.out_layers.${i}.bias` });
      if (divVal > 1 && tieProjs[i] === false)
        rules.push(projRule(`transformer/adaptive_softmax/cutoff_${i}/proj`, `crit.out_projs.${i}`, i));
    }
    rules.push(
      { tf: 'transformer/adaptive_softmax/cutoff_0/cluster_W', hf: 'crit.cluster_weight' },
      { tf: 'transformer/adaptive_softmax/cutoff_0/cluster_b', hf: 'crit.cluster_bias' },
    );
  }

  for (let i = 0; i < nLayer; i++) {
    const tf = `transformer/layer_${i}`;
    const hf = `transformer.layers.${i}`;
    rules.push(
      ...xlDense(`${tf}/rel_attn/qkv`, `${hf}.dec_attn.qkv_net`, false),
      ...xlDense(`${tf}/rel_attn/r`, `${hf}.dec_attn.r_net`, false),
      ...xlDense(`${tf}/rel_attn/o`, `${hf}.dec_attn.o_net`, false),
      ...layerNorm(`${tf}/rel_attn/LayerNorm`, `${hf}.dec_attn.layer_norm`),
      ...xlDense(`${tf}/ff/layer_1`, `${hf}.pos_ff.CoreNet.0`, true),
      ...xlDense(`${tf}/ff/layer_2`, `${hf}.pos_ff.CoreNet.3`, true),
      ...layerNorm(`${tf}/ff/LayerNorm`, `${hf}.pos_ff.layer_norm`),
    );
    if (untieR) {
      for (const b of ['r_w_bias', 'r_r_bias']) {
        rules.push({ tf: `transformer/${b}`, hf: `${hf}.dec_attn.${b}`, row: { index: i, count: nLayer } });
      }
    }
  }
  if (!untieR)
    rules.push(
      { tf: 'transformer/r_w_bias', hf: 'transformer.r_w_bias' },
      { tf: 'transformer/r_r_bias', hf: 'transformer.r_r_bias' },
    );
  return rules;
}
