/**
 * Config translation for convert / export, through the registry: a config is normalised by running it
 * through its family (validating it), and each family's checkpoint hook says how its original release
 * names its config keys (see `FamilyCheckpoint.configFromOriginal` / `configToOriginal`).
 */
import { type RawConfig, withoutHfOnlyKeys } from '../config.ts';
import { getFamily } from '../registry.ts';
import type { ConvertModel } from './types.ts';

/** Hugging Face `model_type` written for a convert model (`wobert` -> `bert`, `t5.1.1` -> `t5`). */
export function hfModelType(model: ConvertModel): string {
  return getFamily(model).modelType(model);
}

/** Runs a raw config through the family (validating it) and returns canonical config.json keys. */
export function normaliseHfConfig(model: ConvertModel, raw: RawConfig, source: string): RawConfig {
  const family = getFamily(model);
  const type = family.modelType(model);
  const json = family.configToJson(family.parseConfig({ ...raw, model_type: type }, source), model);
  const architecture = family.checkpoint?.architectures[type] ?? type;
  return { architectures: [architecture], ...json, model_type: type };
}

/** The original-release config keys for a TF export of a Hugging Face config. */
export function originalConfigFromHf(model: ConvertModel, hf: RawConfig): RawConfig {
  const checkpoint = getFamily(model).checkpoint;
  return checkpoint ? checkpoint.configToOriginal(hf) : withoutHfOnlyKeys(hf);
}
