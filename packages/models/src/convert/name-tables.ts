/**
 * Which name table serves which model, and which model a checkpoint looks like when `--model` is not
 * given. The tables themselves live one family per file.
 */
import { Bert4tfjsError } from '@bert4tfjs/core';
import type { RawConfig } from '../config.ts';
import { albertNameRules } from './albert-names.ts';
import { bertNameRules } from './bert-names.ts';
import { t5NameRules } from './t5-names.ts';
import { transfoXlNameRules } from './transfo-xl-names.ts';
import { CONVERT_MODELS, type ConvertModel, type NameRule, type TensorInfo } from './types.ts';

/** Checks a `--model` value; an unknown one is an error listing the valid values. */
export function parseConvertModel(value: string, flag = '--model'): ConvertModel {
  const v = value === 'transfo_xl' ? 'transfo-xl' : value;
  if (!(CONVERT_MODELS as readonly string[]).includes(v)) {
    throw new Bert4tfjsError(`${flag}: unknown model '${value}' (valid: ${CONVERT_MODELS.join(', ')})`, 'bad-argument');
  }
  return v as ConvertModel;
}

/** The TF <-> HF name table of `model` for a Hugging Face config. */
export function nameRulesFor(model: ConvertModel, hfConfig: RawConfig): NameRule[] {
  switch (model) {
    case 'bert':
    case 'wobert':
    case 'roberta-wwm':
      return bertNameRules(hfConfig);
    case 'albert':
      return albertNameRules(hfConfig);
    case 't5':
    case 't5.1.1':
    case 'mt5':
      return t5NameRules({ ...hfConfig, model_type: model === 'mt5' ? 'mt5' : 't5' });
    case 'transfo-xl':
      return transfoXlNameRules(hfConfig);
    case 'electra':
    case 'roberta':
      throw new Bert4tfjsError(
        `${model}: no original TensorFlow name table (its Hugging Face checkpoints are the reference); convert from pytorch_model.bin or model.safetensors, export to safetensors`,
        'unsupported',
      );
  }
}

/** Guesses the model of a checkpoint from its tensor names (and config `model_type`), or null. */
export function guessModel(listing: TensorInfo[], config: RawConfig | null): ConvertModel | null {
  const type = config?.model_type;
  if (typeof type === 'string') {
    const t = type === 'transfo_xl' ? 'transfo-xl' : type;
    if ((CONVERT_MODELS as readonly string[]).includes(t)) return t as ConvertModel;
  }
  const names = listing.map((t) => t.name.replace(/^module\//, ''));
  const any = (re: RegExp): boolean => names.some((n) => re.test(n));
  if (any(/^bert\/encoder\/transformer\//) || any(/^albert\./)) return 'albert';
  if (any(/^electra\./) || any(/^discriminator_predictions\./) || any(/^generator_predictions\./)) return 'electra';
  if (any(/^roberta\./) || any(/^lm_head\.layer_norm\./)) return 'roberta';
  if (any(/^bert\//) || any(/^bert\./) || any(/^cls\.predictions\./)) return 'bert';
  if (any(/^shared\/embedding$/) || any(/^shared\.weight$/)) return 't5';
  if (any(/^transformer\/(adaptive_embed|layer_0\/rel_attn)/) || any(/^transformer\.word_emb\./)) return 'transfo-xl';
  return null;
}
