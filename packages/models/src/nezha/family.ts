/**
 * The NEZHA family as the registry sees it: config, build, its TF names, and the `forward` that also
 * writes hidden states, attentions and the relative-position encoding. No ONNX graph: the ONNX emitter's
 * encoder has no relative-position terms.
 */
import * as tf from '@tensorflow/tfjs';
import { nezhaRelativeEncoding } from '@bert4tfjs/core';
import { bertHeadsFromTensorNames } from '../bert/model.ts';
import { withoutHfOnlyKeys } from '../config.ts';
import { runWithInternals, tensorInputs } from '../encoder-internals.ts';
import type { Family } from '../family.ts';
import { buildNezha } from './build.ts';
import { nezhaConfigToJson, parseNezhaConfig, type NezhaConfig } from './config.ts';
import { nezhaNameRules } from './tf-names.ts';

/** NEZHA (functional relative positions). */
export const NEZHA_FAMILY: Family<NezhaConfig> = {
  names: ['nezha'],
  modelType: () => 'nezha',
  parseConfig: parseNezhaConfig,
  configToJson: (c) => nezhaConfigToJson(c),
  build: buildNezha,
  options: [
    'withPool',
    'withMlm',
    'withNsp',
    'attention',
    'keepTokens',
    'compoundTokens',
    'layerNormCond',
    'numLabels',
  ],
  headsFromTensorNames: bertHeadsFromTensorNames,
  forward: (built, inputs) => {
    const out = runWithInternals(built, tensorInputs(inputs));
    const c = built.config as NezhaConfig;
    const length = out.last_hidden_state.shape[1] as number;
    const dim = c.hiddenSize / c.numAttentionHeads;
    out.relative_positions_encoding = tf.tensor3d(nezhaRelativeEncoding(length, length, c.maxRelativePosition, dim), [
      length,
      length,
      dim,
    ]);
    return out;
  },
  checkpoint: {
    models: ['nezha'],
    nameRules: nezhaNameRules,
    // NEZHA's TF checkpoints use BERT's names minus positions: `--model nezha` or model_type tells them apart.
    looksLike: () => false,
    configFromOriginal: (found) => found,
    configToOriginal: withoutHfOnlyKeys,
    files: { checkpoint: 'model.ckpt', config: 'bert_config.json' },
    architectures: { nezha: 'NezhaForPreTraining' },
    hfPrefix: 'nezha',
  },
  sentencePooling: 'cls',
};
