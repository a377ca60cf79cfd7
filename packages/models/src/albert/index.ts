/**
 * The ALBERT family: `albert` (shared layers, as trained) and `albert_unshared` (one set per layer).
 * Config and builder with its weight map in model.ts, TF name table in tf-names.ts, ONNX layout in
 * onnx.ts; this file is what the registry sees.
 */
import { withoutHfOnlyKeys } from '../config.ts';
import type { Family } from '../family.ts';
import { albertConfigToJson, buildAlbert, parseAlbertConfig, type AlbertConfig } from './model.ts';
import { albertOnnxLayout } from './onnx.ts';
import { albertNameRules } from './tf-names.ts';

export * from './model.ts';
export * from './onnx.ts';
export * from './tf-names.ts';

/** The ALBERT family for the registry. */
export const ALBERT_FAMILY: Family<AlbertConfig> = {
  names: ['albert', 'albert_unshared'],
  modelType: () => 'albert',
  parseConfig: parseAlbertConfig,
  build: buildAlbert,
  configToJson: albertConfigToJson,
  options: ['withPool', 'withMlm', 'withNsp', 'attention', 'keepTokens', 'compoundTokens', 'numLabels'],
  isHeadTensor: (name) => /^(predictions\.|sop_classifier\.|classifier\.|(albert\.)?pooler\.)/.test(name),
  headsFromTensorNames: (names) => ({
    withPool: names.some((n) => n === 'albert.pooler.weight' || n === 'pooler.weight'),
    withMlm: names.includes('predictions.dense.weight'),
    withSop: names.includes('sop_classifier.classifier.weight'),
  }),
  checkpoint: {
    models: ['albert'],
    nameRules: albertNameRules,
    looksLike: (names) => names.some((n) => n.startsWith('bert/encoder/transformer/') || n.startsWith('albert.')),
    configFromOriginal: (found) => found,
    configToOriginal: withoutHfOnlyKeys,
    files: { checkpoint: 'model.ckpt', config: 'albert_config.json' },
    architectures: { albert: 'AlbertForPreTraining' },
    hfPrefix: 'albert',
  },
  onnx: { names: ['albert'], layout: albertOnnxLayout },
};
