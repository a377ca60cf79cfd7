/**
 * RoFormer's original (bert4keras / ZhuiyiTechnology) TF checkpoint names <-> Hugging Face names. bert4keras
 * saves RoFormer under google-research/bert's names (`bert/encoder/layer_0/attention/self/query/kernel`, …)
 * without position embeddings; E ≠ H adds `bert/encoder/embedding_hidden_mapping_in`, RoFormer-Sim's pooler
 * is `bert/pooler/dense`, and V2 drops every bias (`use_bias: false`) and norm weight (`norm_type: rms_norm`).
 */
import type { RawConfig } from '../config.ts';
import { dense } from '../convert/rule-helpers.ts';
import { bertRulesWithoutPositions } from '../encoder/tf-names.ts';
import type { NameRule } from '../convert/types.ts';
import { parseRoformerConfig, resolveRoformerConfig, roformerVariant } from './config.ts';

/** The name table of a RoFormer (`model`: roformer, roformer-sim or roformer-v2) with this HF config. */
export function roformerNameRules(hfConfig: RawConfig, model = 'roformer'): NameRule[] {
  const c = resolveRoformerConfig(parseRoformerConfig(hfConfig, 'config'), roformerVariant(model));
  let rules = bertRulesWithoutPositions(hfConfig, 'roformer');
  if (c.embeddingSize !== c.hiddenSize) {
    rules.push(...dense('bert/encoder/embedding_hidden_mapping_in', 'roformer.embeddings_project', c.useBias));
  }
  if (!c.useBias) rules = rules.filter((r) => !(r.tf.endsWith('/bias') || r.tf.endsWith('output_bias')));
  if (c.normType === 'rms_norm') rules = rules.filter((r) => !/LayerNorm\/(gamma|beta)$/.test(r.tf));
  return rules;
}
