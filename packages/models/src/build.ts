/**
 * `buildTransformerModel`: the one entry point. Give it a family name and a config (object or
 * config.json path), optionally a checkpoint; get back a tfjs LayersModel to extend with the functional
 * API, plus its input/output names and weight map.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Bert4tfjsError, deferInitialization, readSafetensors, type NamedTensors } from '@bert4tfjs/core';
import { readConfigFile, type RawConfig } from './config.ts';
import type { BertBuildOptions } from './encoder/build-options.ts';
import type { Family, TransformerModel } from './family.ts';
import { getFamily } from './registry.ts';
import { loadMappedWeights, type LoadReport } from './weights.ts';

/** Options of {@link buildTransformerModel}. */
export interface BuildTransformerOptions extends BertBuildOptions {
  /** Family name; defaults to the config's `model_type`. */
  model?: string;
  /** Hugging Face config.json contents. */
  config?: RawConfig;
  /** Path of a config.json (used when `config` is not given). */
  configPath?: string;
  /** A model.safetensors file, or a directory holding one. */
  checkpointPath?: string;
  /**
   * Leave random-initialised weights at zero (fast): for when every weight is about to be loaded or only
   * shapes matter. With `checkpointPath` this happens automatically, and weights the checkpoint does not
   * cover still get their random values.
   */
  skipInit?: boolean;
  /** Any family-specific options. */
  [key: string]: unknown;
}

/** Resolves a checkpoint argument (file or directory) to a model.safetensors path. */
export function resolveCheckpointPath(path: string): string {
  if (!existsSync(path)) throw new Bert4tfjsError(`checkpoint not found: ${path}`, 'missing-file');
  if (statSync(path).isDirectory()) {
    const file = join(path, 'model.safetensors');
    if (!existsSync(file)) throw new Bert4tfjsError(`no model.safetensors in ${path}`, 'missing-file');
    return file;
  }
  return path;
}

/** The shared encoder options a builder must honour or refuse (the keys of {@link BertBuildOptions}). */
export const ENCODER_OPTIONS = [
  'withPool',
  'withMlm',
  'withNsp',
  'attention',
  'keepTokens',
  'compoundTokens',
  'layerNormCond',
  'numLabels',
] as const satisfies readonly (keyof BertBuildOptions)[];

/** Whether an option value asks for something (softmax attention, null, false, [] ask for nothing new). */
function isSet(key: (typeof ENCODER_OPTIONS)[number], value: unknown): boolean {
  if (value === undefined || value === null || value === false) return false;
  if (key === 'attention') return (value as { type?: unknown }).type !== 'softmax';
  if (Array.isArray(value)) return value.length > 0;
  return true;
}

/**
 * Throws naming the option and the family when `options` sets a shared encoder option the family's
 * builder does not honour (`Family.options`), instead of letting the builder ignore it.
 */
export function checkFamilyOptions(name: string, family: Family, options: Record<string, unknown>): void {
  for (const key of ENCODER_OPTIONS) {
    if (!family.options.includes(key) && isSet(key, options[key])) {
      const honoured = family.options.length ? family.options.join(', ') : 'none of them';
      throw new Bert4tfjsError(
        `option '${key}' is not supported by the ${name} family (of ${ENCODER_OPTIONS.join(', ')} it supports ${honoured})`,
        'unsupported',
      );
    }
  }
}

/** Builds a Transformer model of any registered family, optionally loading a checkpoint. */
export function buildTransformerModel(options: BuildTransformerOptions): TransformerModel {
  let raw: RawConfig;
  let source: string;
  if (options.config) {
    raw = options.config;
    source = 'config';
  } else if (options.configPath) {
    raw = readConfigFile(options.configPath);
    source = options.configPath;
  } else {
    throw new Bert4tfjsError(
      'buildTransformerModel: give `config` (an object) or `configPath` (a config.json)',
      'bad-argument',
    );
  }
  const name = options.model ?? (typeof raw.model_type === 'string' ? raw.model_type : undefined);
  if (!name) throw new Bert4tfjsError(`${source}: no 'model_type'; pass the \`model\` option`, 'bad-config');
  const family = getFamily(name);
  checkFamilyOptions(name, family, options);
  const config = family.parseConfig(raw, source);
  // Random values for weights a checkpoint will overwrite are wasted work (seconds for BERT-base).
  const deferral = options.checkpointPath || options.skipInit ? deferInitialization() : null;
  let built: ReturnType<typeof family.build>;
  try {
    built = family.build(config, options);
  } finally {
    deferral?.close();
  }
  const { model: _m, config: _c, inputNames: _i, outputNames: _o, weightMap: _w, prefix: _p, ...extras } = built;
  const result: TransformerModel = {
    ...extras,
    model: built.model,
    family: name,
    config,
    rawConfig: { ...raw, ...family.configToJson(config, name) },
    inputNames: built.inputNames,
    outputNames: built.outputNames,
    weightMap: built.weightMap,
    prefix: built.prefix,
    loadWeights(src: string | NamedTensors): LoadReport {
      const file = typeof src === 'string' ? resolveCheckpointPath(src) : null;
      const tensors = file ? readSafetensors(file) : (src as NamedTensors);
      return loadMappedWeights(built.model, built.weightMap, tensors, {
        prefix: built.prefix,
        source: file ?? 'tensors',
      });
    },
  };
  if (options.checkpointPath) {
    try {
      result.loadWeights(options.checkpointPath);
    } catch (err) {
      built.model.dispose();
      throw err;
    }
    if (!options.skipInit) deferral?.finish(built.model.weights);
  }
  return result;
}
