/**
 * Which name table serves which model, and which model a checkpoint looks like when `--model` is not
 * given — both asked of the registry; the tables themselves live in each family's folder (`tf-names.ts`).
 */
import { Bert4tfjsError } from '@bert4tfjs/core';
import type { RawConfig } from '../config.ts';
import type { FamilyCheckpoint } from '../family.ts';
import { CONVERT_MODELS, FAMILIES, findFamily, getFamily } from '../registry.ts';
import type { ConvertModel, NameRule, TensorInfo } from './types.ts';

/** The convert model `value` names (a family alias such as `transfo_xl` gives its canonical model), or null. */
function resolveConvertModel(value: string): ConvertModel | null {
  if (CONVERT_MODELS.includes(value)) return value;
  return findFamily(value)?.checkpoint?.models[0] ?? null;
}

/** Checks a `--model` value; an unknown one is an error listing the valid values. */
export function parseConvertModel(value: string, flag = '--model'): ConvertModel {
  const model = resolveConvertModel(value);
  if (!model) {
    throw new Bert4tfjsError(`${flag}: unknown model '${value}' (valid: ${CONVERT_MODELS.join(', ')})`, 'bad-argument');
  }
  return model;
}

/** The original-checkpoint hook of a convert model's family. */
export function checkpointHookFor(model: ConvertModel): FamilyCheckpoint {
  const hook = getFamily(model).checkpoint;
  if (!hook) throw new Bert4tfjsError(`model '${model}' has no original-checkpoint support`, 'unsupported');
  return hook;
}

/** The TF <-> HF name table of `model` for a Hugging Face config. */
export function nameRulesFor(model: ConvertModel, hfConfig: RawConfig): NameRule[] {
  return checkpointHookFor(model).nameRules(hfConfig, model);
}

/** Guesses the model of a checkpoint from its tensor names (and config `model_type`), or null. */
export function guessModel(listing: TensorInfo[], config: RawConfig | null): ConvertModel | null {
  const type = config?.model_type;
  if (typeof type === 'string') {
    const model = resolveConvertModel(type);
    if (model) return model;
  }
  const names = listing.map((t) => t.name.replace(/^module\//, ''));
  const family = FAMILIES.find((f) => f.checkpoint?.looksLike(names));
  return family?.checkpoint?.models[0] ?? null;
}
