/**
 * BERT: google-research/bert variable names <-> Hugging Face names. WoBERT and RoBERTa-wwm checkpoints use
 * the same names. Kernels are [in, out] in TF and transposed; `cls/seq_relationship/output_weights` is
 * already [2, H] (it is used with transpose_b) and is not.
 */
import type { RawConfig } from '../config.ts';
import { configInt, dense, layerNorm, same } from '../convert/rule-helpers.ts';
import type { NameRule } from '../convert/types.ts';

/** The name table of a BERT with `config.num_hidden_layers` layers and every pre-training head. */
export function bertNameRules(config: RawConfig): NameRule[] {
  const rules: NameRule[] = [
    same('bert/embeddings/word_embeddings', 'bert.embeddings.word_embeddings.weight'),
    same('bert/embeddings/token_type_embeddings', 'bert.embeddings.token_type_embeddings.weight'),
    same('bert/embeddings/position_embeddings', 'bert.embeddings.position_embeddings.weight'),
    ...layerNorm('bert/embeddings/LayerNorm', 'bert.embeddings.LayerNorm'),
  ];
  for (let i = 0; i < configInt(config, 'num_hidden_layers'); i++) {
    const tf = `bert/encoder/layer_${i}`;
    const hf = `bert.encoder.layer.${i}`;
    for (const p of ['query', 'key', 'value'])
      rules.push(...dense(`${tf}/attention/self/${p}`, `${hf}.attention.self.${p}`));
    rules.push(
      ...dense(`${tf}/attention/output/dense`, `${hf}.attention.output.dense`),
      ...layerNorm(`${tf}/attention/output/LayerNorm`, `${hf}.attention.output.LayerNorm`),
      ...dense(`${tf}/intermediate/dense`, `${hf}.intermediate.dense`),
      ...dense(`${tf}/output/dense`, `${hf}.output.dense`),
      ...layerNorm(`${tf}/output/LayerNorm`, `${hf}.output.LayerNorm`),
    );
  }
  rules.push(
    ...dense('bert/pooler/dense', 'bert.pooler.dense'),
    ...dense('cls/predictions/transform/dense', 'cls.predictions.transform.dense'),
    ...layerNorm('cls/predictions/transform/LayerNorm', 'cls.predictions.transform.LayerNorm'),
    same('cls/predictions/output_bias', 'cls.predictions.bias'),
    same('cls/seq_relationship/output_weights', 'cls.seq_relationship.weight'),
    same('cls/seq_relationship/output_bias', 'cls.seq_relationship.bias'),
  );
  return rules;
}
