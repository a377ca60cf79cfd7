/**
 * The RoFormer family as the registry sees it: `roformer`, `roformer-sim` and `roformer-v2` (written back as
 * `model_type: roformer` with the keys that tell the variants apart), its bert4keras TF names, and the
 * `forward` that also writes hidden states, attentions and the rotary table. No ONNX graph: the ONNX
 * emitter's encoder has no rotary step.
 */
import * as tf from '@tensorflow/tfjs';
import { rotarySinusoidTable } from '@bert4tfjs/core';
import { bertHeadsFromTensorNames } from '../bert/model.ts';
import { withoutHfOnlyKeys } from '../config.ts';
import { runWithInternals, tensorInputs } from '../encoder-internals.ts';
import type { Family } from '../family.ts';
import { buildRoformer } from './build.ts';
import {
  parseRoformerConfig,
  roformerConfigToJson,
  roformerVariant,
  ROFORMER_NAMES,
  type RoformerConfig,
} from './config.ts';
import { roformerNameRules } from './tf-names.ts';

/** RoFormer, RoFormer-Sim and RoFormer-V2. */
export const ROFORMER_FAMILY: Family<RoformerConfig> = {
  names: ROFORMER_NAMES,
  modelType: () => 'roformer',
  parseConfig: parseRoformerConfig,
  configToJson: (c, name) => roformerConfigToJson(c, roformerVariant(name)),
  build: (c, o) => buildRoformer(c, o, roformerVariant(o.model)),
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
  headsFromTensorNames: (names) => {
    const { withPool, withMlm } = bertHeadsFromTensorNames(names);
    return { withPool, withMlm };
  },
  forward: (built, inputs) => {
    const out = runWithInternals(built, tensorInputs(inputs));
    const c = built.config as RoformerConfig;
    const length = out.last_hidden_state.shape[1] as number;
    const dim = c.hiddenSize / c.numAttentionHeads;
    out.sinusoidal_pos = tf.tensor2d(rotarySinusoidTable(length, dim), [length, dim]);
    return out;
  },
  checkpoint: {
    models: ROFORMER_NAMES,
    nameRules: roformerNameRules,
    // bert4keras saves RoFormer under BERT's names: only `--model` or a config's model_type tells them apart.
    looksLike: () => false,
    configFromOriginal: (found) => found,
    configToOriginal: withoutHfOnlyKeys,
    files: { checkpoint: 'bert_model.ckpt', config: 'bert_config.json' },
    architectures: { roformer: 'RoFormerForMaskedLM' },
    hfPrefix: 'roformer',
  },
  sentencePooling: 'cls',
};
