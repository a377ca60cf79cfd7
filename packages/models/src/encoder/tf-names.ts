/**
 * TF checkpoint names shared by the BERT-like encoders whose positions live inside attention (RoFormer,
 * NEZHA): google-research/bert's names, minus the absolute position embeddings, under the family's
 * Hugging Face prefix.
 */
import { bertNameRules } from '../bert/tf-names.ts';
import type { RawConfig } from '../config.ts';
import type { NameRule } from '../convert/types.ts';

/** BERT's name rules under another Hugging Face prefix, without the absolute position embeddings. */
export function bertRulesWithoutPositions(config: RawConfig, hfPrefix: string): NameRule[] {
  return bertNameRules(config)
    .filter((r) => !r.hf.endsWith('.position_embeddings.weight'))
    .map((r) => (r.hf.startsWith('bert.') ? { ...r, hf: `${hfPrefix}.${r.hf.slice('bert.'.length)}` } : r));
}
