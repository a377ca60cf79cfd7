/**
 * The RoBERTa family in Hugging Face's layout (`model_type: roberta`), next to the RoBERTa-wwm-as-BERT
 * layout (`bert` / `roberta-wwm`) that Chinese RoBERTa checkpoints use. Config, builder with its weight
 * map and ONNX layout live in this folder; this file is what the registry sees.
 */
import { hfOnlyCheckpoint } from '../encoder/hf-only-checkpoint.ts';
import { runInspection } from '../encoder/inspection.ts';
import type { Family } from '../family.ts';
import { buildRoberta, ROBERTA_OPTIONS } from './build.ts';
import { parseRobertaConfig, robertaConfigToJson, type RobertaConfig } from './config.ts';
import { robertaOnnxLayout } from './onnx.ts';

export * from './build.ts';
export * from './config.ts';
export * from './onnx.ts';

/** The RoBERTa family for the registry. */
export const ROBERTA_FAMILY: Family<RobertaConfig> = {
  names: ['roberta'],
  modelType: () => 'roberta',
  parseConfig: parseRobertaConfig,
  build: buildRoberta,
  configToJson: robertaConfigToJson,
  options: ROBERTA_OPTIONS,
  headsFromTensorNames: (names) => ({
    withPool: names.includes('roberta.pooler.dense.weight') || names.includes('pooler.dense.weight'),
    withMlm: names.includes('lm_head.dense.weight'),
  }),
  forward: runInspection,
  checkpoint: hfOnlyCheckpoint('roberta', 'RobertaForMaskedLM', 'roberta', ['roberta.', 'lm_head.']),
  onnx: { layout: robertaOnnxLayout },
};
