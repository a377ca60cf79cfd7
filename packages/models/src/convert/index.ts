/**
 * Checkpoint conversion: original TensorFlow names (BERT, ALBERT, T5/mT5, Transformer-XL) <-> Hugging
 * Face names, `convertCheckpoint` (any checkpoint -> HF model directory) and `saveCheckpoint` (model ->
 * safetensors or TF checkpoint).
 */
export * from './types.ts';
export { bertNameRules } from './bert-names.ts';
export { albertNameRules } from './albert-names.ts';
export { t5NameRules } from './t5-names.ts';
export { transfoXlNameRules } from './transfo-xl-names.ts';
export { guessModel, nameRulesFor, parseConvertModel } from './name-tables.ts';
export {
  hfModelType,
  normaliseHfConfig,
  originalConfigFromHf,
  t5ConfigFromTensors,
  transfoXlConfigFromTf,
} from './config-translate.ts';
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
