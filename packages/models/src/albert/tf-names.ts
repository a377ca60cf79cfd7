/**
 * ALBERT: google-research/albert variable names <-> Hugging Face names. The TF graph keeps BERT's
 * `bert/` scope; shared layers live under `bert/encoder/transformer/group_{g}/inner_group_{j}` with the
 * attention LayerNorm as `LayerNorm` and the feed-forward one as `LayerNorm_1`. The sentence-order head
 * reuses BERT's `cls/seq_relationship` names. (TF-Hub exports add a `module/` scope; the planner strips it.)
 */
import type { RawConfig } from '../config.ts';
import { configInt, dense, layerNorm, same } from '../convert/rule-helpers.ts';
import type { NameRule } from '../convert/types.ts';

/** The name table of an ALBERT with `num_hidden_groups` x `inner_group_num` layers and every head. */
export function albertNameRules(config: RawConfig): NameRule[] {
  const rules: NameRule[] = [
    same('bert/embeddings/word_embeddings', 'albert.embeddings.word_embeddings.weight'),
    same('bert/embeddings/token_type_embeddings', 'albert.embeddings.token_type_embeddings.weight'),
    same('bert/embeddings/position_embeddings', 'albert.embeddings.position_embeddings.weight'),
    ...layerNorm('bert/embeddings/LayerNorm', 'albert.embeddings.LayerNorm'),
    ...dense('bert/encoder/embedding_hidden_mapping_in', 'albert.encoder.embedding_hidden_mapping_in'),
  ];
  const groups = configInt(config, 'num_hidden_groups', 1);
  const inner = configInt(config, 'inner_group_num', 1);
  for (let g = 0; g < groups; g++) {
    for (let j = 0; j < inner; j++) {
      const tf = `bert/encoder/transformer/group_${g}/inner_group_${j}`;
      const hf = `albert.encoder.albert_layer_groups.${g}.albert_layers.${j}`;
      for (const p of ['query', 'key', 'value'])
        rules.push(...dense(`${tf}/attention_1/self/${p}`, `${hf}.attention.${p}`));
      rules.push(
        ...dense(`${tf}/attention_1/output/dense`, `${hf}.attention.dense`),
        ...layerNorm(`${tf}/LayerNorm`, `${hf}.attention.LayerNorm`),
        ...dense(`${tf}/ffn_1/intermediate/dense`, `${hf}.ffn`),
        ...dense(`${tf}/ffn_1/intermediate/output/dense`, `${hf}.ffn_output`),
        ...layerNorm(`${tf}/LayerNorm_1`, `${hf}.full_layer_layer_norm`),
      );
    }
  }
  rules.push(
    ...dense('bert/pooler/dense', 'albert.pooler'),
    ...dense('cls/predictions/transform/dense', 'predictions.dense'),
    ...layerNorm('cls/predictions/transform/LayerNorm', 'predictions.LayerNorm'),
    same('cls/predictions/output_bias', 'predictions.bias'),
    same('cls/seq_relationship/output_weights', 'sop_classifier.classifier.weight'),
    same('cls/seq_relationship/output_bias', 'sop_classifier.classifier.bias'),
  );
  return rules;
}
