/**
 * GPT-2: OpenAI's original TF checkpoint names (openai/gpt-2 `model.ckpt`) <-> Hugging Face names.
 * OpenAI's Conv1D kernels are `w` [1, in, out] (HF drops the leading axis; the layout is otherwise the
 * same [in, out], so nothing is transposed), layer norms are `g`/`b`, blocks `h0`, `h1`, ... The LM head
 * is the token embedding in both.
 */
import type { RawConfig } from '../config.ts';
import { configInt } from '../convert/rule-helpers.ts';
import type { NameRule } from '../convert/types.ts';

function conv1d(tf: string, hf: string): NameRule[] {
  return [
    { tf: `${tf}/w`, hf: `${hf}.weight`, squeeze: true },
    { tf: `${tf}/b`, hf: `${hf}.bias` },
  ];
}

function norm(tf: string, hf: string): NameRule[] {
  return [
    { tf: `${tf}/g`, hf: `${hf}.weight` },
    { tf: `${tf}/b`, hf: `${hf}.bias` },
  ];
}

/** The name table of a GPT-2 config (Hugging Face keys). */
export function gpt2NameRules(config: RawConfig): NameRule[] {
  const rules: NameRule[] = [
    { tf: 'model/wte', hf: 'transformer.wte.weight' },
    { tf: 'model/wpe', hf: 'transformer.wpe.weight' },
  ];
  for (let i = 0; i < configInt(config, 'n_layer'); i++) {
    const tf = `model/h${i}`;
    const hf = `transformer.h.${i}`;
    rules.push(
      ...norm(`${tf}/ln_1`, `${hf}.ln_1`),
      ...conv1d(`${tf}/attn/c_attn`, `${hf}.attn.c_attn`),
      ...conv1d(`${tf}/attn/c_proj`, `${hf}.attn.c_proj`),
      ...norm(`${tf}/ln_2`, `${hf}.ln_2`),
      ...conv1d(`${tf}/mlp/c_fc`, `${hf}.mlp.c_fc`),
      ...conv1d(`${tf}/mlp/c_proj`, `${hf}.mlp.c_proj`),
    );
  }
  rules.push(...norm('model/ln_f', 'transformer.ln_f'));
  return rules;
}

/** Whether tensor names are an OpenAI GPT-2 checkpoint's. */
export function looksLikeGpt2(names: string[]): boolean {
  return names.includes('model/wte') && names.some((n) => /^model\/h\d+\/attn\/c_attn\/w$/.test(n));
}

/** Hugging Face config.json keys back to OpenAI's hparams.json. */
export function gpt2ConfigToHparams(hf: RawConfig): RawConfig {
  return { n_vocab: hf.vocab_size, n_ctx: hf.n_positions, n_embd: hf.n_embd, n_head: hf.n_head, n_layer: hf.n_layer };
}
