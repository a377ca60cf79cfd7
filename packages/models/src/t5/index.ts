/**
 * The T5 family: `t5` (v1.0), `t5.1.1` and `mt5` (gated-gelu, untied head) differ only by config.
 * Config in config.ts, builder with its weight map in model.ts, Mesh TF names in tf-names.ts (and the
 * config read off a mesh checkpoint's shapes in tf-config.ts), generation and the seq2seq loss beside
 * them; this file is what the registry sees.
 */
import type { Family } from '../family.ts';
import { parseT5Config, t5ConfigToJson, type T5Config } from './config.ts';
import { buildT5 } from './model.ts';
import { t5ConfigFromTensors } from './tf-config.ts';
import { t5NameRules } from './tf-names.ts';
import { t5ForwardOutputs } from './run.ts';

export * from './config.ts';
export * from './model.ts';
export * from './generate.ts';
export * from './train.ts';
export * from './tf-config.ts';
export * from './tf-names.ts';
export * from './run.ts';

const t5Type = (name: string): 't5' | 'mt5' => (name === 'mt5' ? 'mt5' : 't5');

/** The T5 family for the registry. */
export const T5_FAMILY: Family<T5Config> = {
  names: ['t5', 't5.1.1', 'mt5'],
  modelType: t5Type,
  parseConfig: parseT5Config,
  build: (c) => buildT5(c),
  configToJson: (c, name) => t5ConfigToJson(c, t5Type(name)),
  options: [],
  headsFromTensorNames: () => ({}),
  isHeadTensor: (name) => name.startsWith('lm_head.'),
  forward: t5ForwardOutputs,
  checkpoint: {
    models: ['t5', 't5.1.1', 'mt5'],
    nameRules: (hf, model) => t5NameRules({ ...hf, model_type: t5Type(model) }),
    looksLike: (names) => names.some((n) => n === 'shared/embedding' || n === 'shared.weight'),
    // A mesh checkpoint ships a gin file: the config comes from the shapes, a config file beside it wins.
    configFromOriginal: (found, listing) => ({ ...t5ConfigFromTensors(listing), ...(found ?? {}) }),
    configToOriginal: (hf) => hf,
    files: { checkpoint: 'model.ckpt', config: 'config.json' },
    architectures: { t5: 'T5ForConditionalGeneration', mt5: 'MT5ForConditionalGeneration' },
  },
};
