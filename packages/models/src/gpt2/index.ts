/**
 * The GPT-2 family: Hugging Face `GPT2LMHeadModel` layout (also GPT2-ML, CDial-GPT and other GPT-2-shaped
 * checkpoints), OpenAI's original TF checkpoint names, eager forward with a key/value cache and the
 * generation step for `AutoRegressiveDecoder`. This file is what the registry sees.
 */
import type { Family } from '../family.ts';
import { gpt2ConfigFromHparams, gpt2ConfigToJson, parseGpt2Config, type Gpt2Config } from './config.ts';
import { buildGpt2 } from './model.ts';
import { gpt2ForwardOutputs } from './run.ts';
import { gpt2ConfigToHparams, gpt2NameRules, looksLikeGpt2 } from './tf-names.ts';

export * from './attention.ts';
export * from './config.ts';
export * from './model.ts';
export * from './forward.ts';
export * from './run.ts';
export * from './generate.ts';
export * from './tf-names.ts';

/** The GPT-2 family for the registry. */
export const GPT2_FAMILY: Family<Gpt2Config> = {
  names: ['gpt2'],
  modelType: () => 'gpt2',
  parseConfig: parseGpt2Config,
  build: buildGpt2,
  configToJson: gpt2ConfigToJson,
  // Vocabulary surgery only: no pooler/MLM/NSP heads, no conditional LN, causal softmax attention.
  options: ['keepTokens', 'compoundTokens'],
  headsFromTensorNames: () => ({}),
  forward: gpt2ForwardOutputs,
  checkpoint: {
    models: ['gpt2'],
    nameRules: gpt2NameRules,
    looksLike: looksLikeGpt2,
    configFromOriginal: (found) => (found ? gpt2ConfigFromHparams(found) : null),
    configToOriginal: gpt2ConfigToHparams,
    files: { checkpoint: 'model.ckpt', config: 'hparams.json' },
    architectures: { gpt2: 'GPT2LMHeadModel' },
    hfPrefix: 'transformer',
  },
};
