/**
 * The BERT family: `bert`, and `wobert` / `roberta-wwm` (BERT checkpoints under other names, written back
 * as `model_type: bert`). Config, builder with its weight map, TF name table and ONNX layout live in this
 * folder; this file is what the registry sees.
 */
import { withoutHfOnlyKeys } from '../config.ts';
import type { Family } from '../family.ts';
import { bertConfigToJson, parseBertConfig, type BertConfig } from './config.ts';
import { bertHeadsFromTensorNames, buildBert } from './model.ts';
import { bertOnnxLayout } from './onnx.ts';
import { bertNameRules } from './tf-names.ts';

export * from './config.ts';
export * from './model.ts';
export * from './onnx.ts';
export * from './tf-names.ts';

/** The BERT family for the registry. */
export const BERT_FAMILY: Family<BertConfig> = {
  names: ['bert', 'wobert', 'roberta-wwm'],
  modelType: () => 'bert',
  parseConfig: parseBertConfig,
  build: buildBert,
  configToJson: (c) => bertConfigToJson(c, 'bert'),
  options: [
    'withPool',
    'withMlm',
    'withNsp',
    'attention',
    'keepTokens',
    'compoundTokens',
    'layerNormCond',
    'numLabels',
    'application',
  ],
  headsFromTensorNames: bertHeadsFromTensorNames,
  isHeadTensor: (name) => /^(cls\.|classifier\.|(bert\.)?pooler\.)/.test(name),
  checkpoint: {
    models: ['bert', 'wobert', 'roberta-wwm'],
    nameRules: bertNameRules,
    // ALBERT's TF graph keeps the `bert/` scope; its layers sit under `bert/encoder/transformer/`.
    looksLike: (names) =>
      !names.some((n) => n.startsWith('bert/encoder/transformer/')) &&
      names.some((n) => /^bert[/.]/.test(n) || n.startsWith('cls.predictions.')),
    configFromOriginal: (found) => found,
    configToOriginal: withoutHfOnlyKeys,
    files: { checkpoint: 'bert_model.ckpt', config: 'bert_config.json' },
    architectures: { bert: 'BertForPreTraining' },
    hfPrefix: 'bert',
  },
  onnx: { layout: bertOnnxLayout },
};
