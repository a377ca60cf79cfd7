/**
 * RoBERTa hyper-parameters in Hugging Face's own layout (`model_type: roberta`, `RobertaConfig` keys):
 * BERT's, plus the padding id that position ids are offset by. (Chinese RoBERTa-wwm checkpoints are BERT
 * checkpoints and load as `bert` / `roberta-wwm` instead.)
 */
import { bertConfigToJson, parseBertConfig, type BertConfig } from '../bert/config.ts';
import { intKey, type RawConfig } from '../config.ts';
import { Bert4tfjsError } from '@bert4tfjs/core';

/** RoBERTa config: BERT's plus `pad_token_id`. */
export interface RobertaConfig extends BertConfig {
  /** Padding id: positions count from pad_token_id + 1, padding sits at position pad_token_id. */
  padTokenId: number;
}

/** Reads a RoBERTa config from config.json keys; `source` names the file in errors. */
export function parseRobertaConfig(cfg: RawConfig, source = 'config'): RobertaConfig {
  const pet = cfg.position_embedding_type ?? 'absolute';
  if (pet !== 'absolute') {
    throw new Bert4tfjsError(
      `${source}: position_embedding_type ${JSON.stringify(pet)} is not supported for roberta (only 'absolute')`,
      'bad-config',
    );
  }
  const c: RobertaConfig = { ...parseBertConfig(cfg, source), padTokenId: intKey(cfg, 'pad_token_id', source, 1) };
  if (c.padTokenId + 1 >= c.maxPositionEmbeddings) {
    throw new Bert4tfjsError(
      `${source}: max_position_embeddings ${c.maxPositionEmbeddings} leaves no positions after pad_token_id ${c.padTokenId}`,
      'bad-config',
    );
  }
  return c;
}

/** The config.json keys of a RoBERTa config (inverse of {@link parseRobertaConfig}). */
export function robertaConfigToJson(c: RobertaConfig): RawConfig {
  return { ...bertConfigToJson(c, 'roberta'), pad_token_id: c.padTokenId, position_embedding_type: 'absolute' };
}
