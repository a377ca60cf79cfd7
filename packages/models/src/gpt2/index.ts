/**
 * The GPT-2 family: Hugging Face `GPT2LMHeadModel` layout (also GPT2-ML, CDial-GPT and other GPT-2-shaped
 * checkpoints), OpenAI's original TF checkpoint names, eager forward with a key/value cache and the
 * generation step for `AutoRegressiveDecoder`.
 */
import type { Family } from '../families.ts';
import { gpt2ConfigToJson, parseGpt2Config, type Gpt2Config } from './config.ts';
import { buildGpt2 } from './model.ts';
import { gpt2ForwardOutputs } from './run.ts';

export * from './attention.ts';
export * from './config.ts';
export * from './model.ts';
export * from './forward.ts';
export * from './run.ts';
export * from './generate.ts';

/** The GPT-2 family entry of the registry. */
export const GPT2_FAMILY: Family = {
  names: ['gpt2'],
  parseConfig: parseGpt2Config,
  build: (c, o) => buildGpt2(c as Gpt2Config, o),
  configToJson: (c) => gpt2ConfigToJson(c as Gpt2Config),
  headsFromTensorNames: () => ({}),
  forward: gpt2ForwardOutputs,
};
