/**
 * Checkpoint conversion machinery: original TensorFlow names <-> Hugging Face names through each
 * family's name table (asked of the registry), `convertCheckpoint` (any checkpoint -> HF model directory) and `saveCheckpoint` (model ->
 * safetensors or TF checkpoint).
 */
export * from './types.ts';
export { CONVERT_MODELS } from '../registry.ts';
export { checkpointHookFor, guessModel, nameRulesFor, parseConvertModel } from './name-tables.ts';
export { hfModelType, normaliseHfConfig, originalConfigFromHf } from './config.ts';
export { openTensorSource, type SourceFormat, type TensorSource } from './sources.ts';
export { planFromHf, planFromTf, tensorProducer, type ConversionPlan } from './plan.ts';
export { safetensorsHeader, writeSafetensorsStream, type StreamEntry } from './safetensors-stream.ts';
export { validatePlan, type ValidationReport } from './validate.ts';
export { convertCheckpoint, type ConvertOptions, type ConvertReport } from './convert.ts';
export {
  EXPORT_TARGETS,
  hfToTfTensors,
  parseExportTarget,
  saveCheckpoint,
  type ExportTarget,
  type SaveCheckpointOptions,
  type SaveCheckpointReport,
} from './export.ts';
export { describeConvert, describeExport } from './summary.ts';
