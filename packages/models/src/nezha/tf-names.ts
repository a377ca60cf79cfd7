/**
 * NEZHA's original TF checkpoint names (huawei-noah NEZHA-TensorFlow, also what bert4keras reads) <->
 * Hugging Face names: google-research/bert's names with no position embeddings (positions are functional).
 */
import type { RawConfig } from '../config.ts';
import type { NameRule } from '../convert/types.ts';
import { bertRulesWithoutPositions } from '../encoder/tf-names.ts';

/** The name table of a NEZHA with this HF config. */
export function nezhaNameRules(hfConfig: RawConfig): NameRule[] {
  return bertRulesWithoutPositions(hfConfig, 'nezha');
}
