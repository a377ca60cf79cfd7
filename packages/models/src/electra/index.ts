/**
 * The ELECTRA family (`model_type: electra`): discriminator and generator, one architecture with two
 * heads, told apart by the tensors a checkpoint carries.
 */
import type { Family } from '../families.ts';
import { runInspection } from '../inspection.ts';
import { buildElectra, type ElectraBuildOptions } from './build.ts';
import { electraConfigToJson, parseElectraConfig, type ElectraConfig } from './config.ts';

export * from './build.ts';
export * from './config.ts';

/** The ELECTRA family for the registry. */
export const ELECTRA_FAMILY: Family = {
  names: ['electra'],
  parseConfig: parseElectraConfig,
  build: (c, o) => buildElectra(c as ElectraConfig, o as ElectraBuildOptions),
  configToJson: (c) => electraConfigToJson(c as ElectraConfig),
  headsFromTensorNames: (names) => ({
    withDiscriminator: names.includes('discriminator_predictions.dense.weight'),
    withGenerator: names.includes('generator_predictions.dense.weight'),
  }),
  forward: runInspection,
};
