/**
 * The RoBERTa family in Hugging Face's layout (`model_type: roberta`), next to the RoBERTa-wwm-as-BERT
 * layout (`bert` / `roberta-wwm`) that Chinese RoBERTa checkpoints use.
 */
import type { BertBuildOptions } from '../bert.ts';
import type { Family } from '../families.ts';
import { runInspection } from '../inspection.ts';
import { buildRoberta } from './build.ts';
import { parseRobertaConfig, robertaConfigToJson, type RobertaConfig } from './config.ts';

export * from './build.ts';
export * from './config.ts';

/** The RoBERTa family for the registry. */
export const ROBERTA_FAMILY: Family = {
  names: ['roberta'],
  parseConfig: parseRobertaConfig,
  build: (c, o) => buildRoberta(c as RobertaConfig, o as BertBuildOptions),
  configToJson: (c) => robertaConfigToJson(c as RobertaConfig),
  headsFromTensorNames: (names) => ({
    withPool: names.includes('roberta.pooler.dense.weight') || names.includes('pooler.dense.weight'),
    withMlm: names.includes('lm_head.dense.weight'),
  }),
  forward: runInspection,
};
