/**
 * The ELECTRA family (`model_type: electra`): discriminator and generator, one architecture with two
 * heads, told apart by the tensors a checkpoint carries. Config, builder with its weight map and ONNX
 * layout live in this folder; this file is what the registry sees.
 */
import { hfOnlyCheckpoint } from '../encoder/hf-only-checkpoint.ts';
import { runInspection } from '../encoder/inspection.ts';
import type { Family } from '../family.ts';
import { buildElectra, ELECTRA_OPTIONS } from './build.ts';
import { electraConfigToJson, parseElectraConfig, type ElectraConfig } from './config.ts';
import { electraOnnxLayout } from './onnx.ts';

export * from './build.ts';
export * from './config.ts';
export * from './onnx.ts';

/** The ELECTRA family for the registry. */
export const ELECTRA_FAMILY: Family<ElectraConfig> = {
  names: ['electra'],
  modelType: () => 'electra',
  parseConfig: parseElectraConfig,
  build: buildElectra,
  configToJson: electraConfigToJson,
  options: ELECTRA_OPTIONS,
  headsFromTensorNames: (names) => ({
    withDiscriminator: names.includes('discriminator_predictions.dense.weight'),
    withGenerator: names.includes('generator_predictions.dense.weight'),
  }),
  forward: runInspection,
  checkpoint: hfOnlyCheckpoint('electra', 'ElectraForPreTraining', 'electra', [
    'electra.',
    'discriminator_predictions.',
    'generator_predictions.',
  ]),
  onnx: { layout: electraOnnxLayout },
};
