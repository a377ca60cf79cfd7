/**
 * ELECTRA hyper-parameters (Hugging Face `ElectraConfig` keys): BERT's, plus the embedding width E,
 * which may be smaller than the hidden width H (the small generators and discriminators) and is then
 * projected by `embeddings_project`.
 */
import { Bert4tfjsError } from '@bert4tfjs/core';
import { bertConfigToJson, parseBertConfig, type BertConfig } from '../bert/config.ts';
import { intKey, strKey, type RawConfig } from '../config.ts';

/** ELECTRA config: BERT's plus `embedding_size`. */
export interface ElectraConfig extends BertConfig {
  /** Width E of the embeddings; E != H adds the E -> H projection. */
  embeddingSize: number;
  padTokenId: number;
}

/** Reads an ELECTRA config from config.json keys; `source` names the file in errors. */
export function parseElectraConfig(cfg: RawConfig, source = 'config'): ElectraConfig {
  const pet = strKey(cfg, 'position_embedding_type', source, 'absolute');
  if (pet !== 'absolute') {
    throw new Bert4tfjsError(
      `${source}: position_embedding_type '${pet}' is not supported for electra (only 'absolute')`,
      'bad-config',
    );
  }
  const c: ElectraConfig = {
    ...parseBertConfig(cfg, source),
    // Hugging Face's default is 128; a config without the key is a plain E = H model more often than not,
    // but we follow the library whose configs these are.
    embeddingSize: intKey(cfg, 'embedding_size', source, 128),
    padTokenId: intKey(cfg, 'pad_token_id', source, 0),
  };
  if (c.embeddingSize < 1)
    throw new Bert4tfjsError(`${source}: embedding_size must be >= 1, got ${c.embeddingSize}`, 'bad-config');
  return c;
}

/** The config.json keys of an ELECTRA config (inverse of {@link parseElectraConfig}). */
export function electraConfigToJson(c: ElectraConfig): RawConfig {
  return {
    ...bertConfigToJson(c, 'electra'),
    embedding_size: c.embeddingSize,
    pad_token_id: c.padTokenId,
    position_embedding_type: 'absolute',
  };
}
