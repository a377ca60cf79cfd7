/**
 * T5 (t5.1.0), T5.1.1 and mT5: Mesh TensorFlow variable names <-> Hugging Face names. Mesh stores every
 * projection [in, out] (so all are transposed) and the relative position bias [heads, buckets] (HF:
 * [buckets, heads], transposed too), only in block 0 of each stack. t5.1.0 and T5.1.1 name their norms
 * `layer_norm/scale` and `final_layer_norm/scale`; mT5 names them `rms_norm/scale` (both are accepted on
 * import; export writes the variant's own). T5.1.1/mT5 have gated `wi_0`/`wi_1` and an untied
 * `decoder/logits/kernel`.
 */
import type { RawConfig } from '../config.ts';
import { configInt } from '../convert/rule-helpers.ts';
import type { NameRule } from '../convert/types.ts';

const pad3 = (i: number): string => String(i).padStart(3, '0');

/** Whether a T5 config uses the gated feed-forward (`gated-gelu`, T5.1.1 / mT5). */
export function t5IsGated(config: RawConfig): boolean {
  const proj = config.feed_forward_proj ?? (config.model_type === 'mt5' ? 'gated-gelu' : 'relu');
  return typeof proj === 'string' && proj.startsWith('gated-');
}

/** Whether a T5 config ties the LM head to the shared embedding. */
export function t5IsTied(config: RawConfig): boolean {
  const tie = config.tie_word_embeddings ?? config.model_type !== 'mt5';
  return tie === true;
}

/** The name table of a T5 / T5.1.1 / mT5 config. */
export function t5NameRules(config: RawConfig): NameRule[] {
  const rms = config.model_type === 'mt5';
  const gated = t5IsGated(config);
  // One norm rule: the variant's own name first (export writes it), the other accepted on import.
  const norm = (tfScope: string, hf: string, finalNorm = false): NameRule => {
    const ln = finalNorm ? `${tfScope}/final_layer_norm/scale` : `${tfScope}/layer_norm/scale`;
    const rn = `${tfScope}/rms_norm/scale`;
    return rms ? { tf: rn, aliases: [ln], hf } : { tf: ln, aliases: [rn], hf };
  };
  const rules: NameRule[] = [{ tf: 'shared/embedding', hf: 'shared.weight' }];
  const numLayers = configInt(config, 'num_layers', 6);
  for (const stack of ['encoder', 'decoder'] as const) {
    const n = stack === 'encoder' ? numLayers : configInt(config, 'num_decoder_layers', numLayers);
    for (let i = 0; i < n; i++) {
      const tf = `${stack}/block_${pad3(i)}`;
      const hf = `${stack}.block.${i}.layer`;
      const attention = (sub: number, kind: 'SelfAttention' | 'EncDecAttention'): void => {
        for (const p of ['q', 'k', 'v', 'o']) {
          rules.push({
            tf: `${tf}/layer_${pad3(sub)}/${kind}/${p}`,
            hf: `${hf}.${sub}.${kind}.${p}.weight`,
            transpose: true,
          });
        }
        rules.push(norm(`${tf}/layer_${pad3(sub)}`, `${hf}.${sub}.layer_norm.weight`));
      };
      attention(0, 'SelfAttention');
      if (i === 0) {
        rules.push({
          tf: `${tf}/layer_000/SelfAttention/relative_attention_bias`,
          hf: `${hf}.0.SelfAttention.relative_attention_bias.weight`,
          transpose: true,
        });
      }
      if (stack === 'decoder') attention(1, 'EncDecAttention');
      const f = stack === 'decoder' ? 2 : 1;
      const ff = `${tf}/layer_${pad3(f)}/DenseReluDense`;
      const hff = `${hf}.${f}.DenseReluDense`;
      const wi = gated ? ['wi_0', 'wi_1'] : ['wi'];
      for (const w of [...wi, 'wo']) rules.push({ tf: `${ff}/${w}/kernel`, hf: `${hff}.${w}.weight`, transpose: true });
      rules.push(norm(`${tf}/layer_${pad3(f)}`, `${hf}.${f}.layer_norm.weight`));
    }
    rules.push(norm(stack, `${stack}.final_layer_norm.weight`, true));
  }
  if (!t5IsTied(config)) rules.push({ tf: 'decoder/logits/kernel', hf: 'lm_head.weight', transpose: true });
  return rules;
}
