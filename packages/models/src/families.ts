/**
 * The registry of model families: `model_type` (or the builder's `model` option) -> how to read its
 * config, build it, and write its config back. Each family file stays self-contained; this is the only
 * place that lists them.
 */
import { Bert4tfjsError } from '@bert4tfjs/core';
import {
  bertConfigToJson,
  bertHeadsFromTensorNames,
  buildBert,
  parseBertConfig,
  type BertBuildOptions,
  type FamilyBuild,
} from './bert.ts';
import type { RawConfig } from './config.ts';
import type { TransformerModel } from './build.ts';
import { ALBERT_FAMILY } from './albert.ts';
import { T5_FAMILY } from './t5.ts';
import { TRANSFO_XL_FAMILY } from './transfo-xl.ts';
import { ROFORMER_FAMILIES } from './roformer/family.ts';
import { NEZHA_FAMILY } from './nezha/family.ts';

/** What a family provides to the builder. */
export interface Family {
  /** Names accepted for `model` / `model_type`. */
  names: string[];
  parseConfig(raw: RawConfig, source: string): unknown;
  build(config: unknown, options: BertBuildOptions & Record<string, unknown>): FamilyBuild<unknown>;
  configToJson(config: unknown, modelType: string): RawConfig;
  /** Which optional heads a checkpoint with these tensor names carries (e.g. `{ withMlm: true }`). */
  headsFromTensorNames(names: string[]): Record<string, boolean>;
  /**
   * Runs `bert4tfjs forward` for this family when plain `runModel` does not fit (e.g. Transformer-XL's
   * segments with memories). Returns outputs by name; the caller disposes them.
   */
  forward?(built: TransformerModel, inputs: Record<string, unknown>): Record<string, import('@tensorflow/tfjs').Tensor>;
}

const FAMILIES: Family[] = [
  {
    names: ['bert', 'wobert', 'roberta-wwm'],
    parseConfig: parseBertConfig,
    build: (c, o) => buildBert(c as ReturnType<typeof parseBertConfig>, o),
    configToJson: (c, t) =>
      bertConfigToJson(c as ReturnType<typeof parseBertConfig>, t === 'wobert' || t === 'roberta-wwm' ? 'bert' : t),
    headsFromTensorNames: bertHeadsFromTensorNames,
  },
  ...[ALBERT_FAMILY, T5_FAMILY, TRANSFO_XL_FAMILY].filter((f): f is Family => f !== null),
  ...ROFORMER_FAMILIES,
  NEZHA_FAMILY,
];

/** Adds a family (used by the family modules that register themselves). */
export function registerFamily(family: Family): void {
  FAMILIES.push(family);
}

/** The family for a model name; an unknown name is an error listing the known ones. */
export function getFamily(name: string): Family {
  const f = FAMILIES.find((x) => x.names.includes(name));
  if (!f) {
    throw new Bert4tfjsError(
      `unknown model '${name}' (known: ${FAMILIES.flatMap((x) => x.names).join(', ')})`,
      'bad-argument',
    );
  }
  return f;
}
