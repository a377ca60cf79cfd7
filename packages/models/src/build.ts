/**
 * `buildTransformerModel`: the one entry point. Give it a family name and a config (object or
 * config.json path), optionally a checkpoint; get back a tfjs LayersModel to extend with the functional
 * API, plus its input/output names and weight map.
 */
import { Bert4tfjsError, deferInitialization, withFullDispose, type NamedTensors } from '@bert4tfjs/core';
import { readConfigFile, type RawConfig } from './config.ts';
import type { BertBuildOptions } from './encoder/build-options.ts';
import type { Family, TransformerModel } from './family.ts';
import { joinPath, modelFiles } from './files.ts';
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
  /** A model.safetensors file, or a directory holding one (Node). */
  checkpointPath?: string;
  /** Checkpoint tensors already in memory (e.g. `parseSafetensors` of fetched bytes); instead of `checkpointPath`. */
  checkpointTensors?: NamedTensors;
  /**
   * Leave random-initialised weights at zero (fast): for when every weight is about to be loaded or only
   * shapes matter. With `checkpointPath` this happens automatically, and weights the checkpoint does not
   * cover still get their random values.
   */
  skipInit?: boolean;
  /**
   * Load a checkpoint that holds tensors the model has no place for (beyond task heads left out, which
   * are always allowed): they are listed in `loadReport.unusedNonHead` instead of failing the load.
   */
  allowUnused?: boolean;
  /** Any family-specific options. */
  [key: string]: unknown;
}

/** Resolves a checkpoint argument (file or directory) to a model.safetensors path. */
export function resolveCheckpointPath(path: string): string {
  const files = modelFiles('checkpointPath');
  if (!files.exists(path)) throw new Bert4tfjsError(`checkpoint not found: ${path}`, 'missing-file');
  if (files.isDirectory(path)) {
    const file = joinPath(path, 'model.safetensors');
    if (!files.exists(file)) throw new Bert4tfjsError(`no model.safetensors in ${path}`, 'missing-file');
    return file;
  }
  return path;
}

/** No size in any config.json comes near this; anything larger is a typo or a corrupt file, not a model. */
const MAX_CONFIG_INT = 2 ** 24;

/** Refuses absurd integer sizes (`vocab_size: 1e12`) before tfjs tries to allocate them. */
function checkPlausibleSizes(raw: RawConfig, source: string): void {
  for (const [key, v] of Object.entries(raw)) {
    if (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) > MAX_CONFIG_INT) {
      throw new Bert4tfjsError(
        `${source}: '${key}' = ${v} is not a plausible model size (at most ${MAX_CONFIG_INT})`,
        'bad-config',
      );
    }
  }
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
  'application',
] as const satisfies readonly (keyof BertBuildOptions)[];

/** Whether an option value asks for something (softmax attention, application 'encoder', null, false, [] ask for nothing new). */
function isSet(key: (typeof ENCODER_OPTIONS)[number], value: unknown): boolean {
  if (value === undefined || value === null || value === false) return false;
  if (key === 'attention') return (value as { type?: unknown }).type !== 'softmax';
  // The plain bidirectional encoder is what every family builds anyway.
  if (key === 'application') return value !== 'encoder';
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
  checkPlausibleSizes(raw, source);
  checkFamilyOptions(name, family, options);
  const config = family.parseConfig(raw, source);
  // Random values for weights a checkpoint will overwrite are wasted work (seconds for BERT-base).
  if (options.checkpointPath && options.checkpointTensors) {
    throw new Bert4tfjsError(
      'buildTransformerModel: give `checkpointPath` or `checkpointTensors`, not both',
      'bad-argument',
    );
  }
  const hasCheckpoint = !!(options.checkpointPath || options.checkpointTensors);
  const deferral = hasCheckpoint || options.skipInit ? deferInitialization() : null;
  let built: ReturnType<typeof family.build>;
  try {
    // A classifier head sized from in-memory tensors, as resolveNumLabels does for a checkpoint path.
    const classifier = options.checkpointTensors?.get('classifier.weight');
    const buildOptions =
      classifier && options.numLabels === undefined ? { ...options, numLabels: classifier.shape[0] } : options;
    built = family.build(config, buildOptions);
  } finally {
    deferral?.close();
  }
  // model.dispose() must free tied and shared layers too, or every load leaks their variables.
  withFullDispose(built.model);
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
    loadWeights(src: string | NamedTensors, loadOptions: { allowUnused?: boolean } = {}): LoadReport {
      const file = typeof src === 'string' ? resolveCheckpointPath(src) : null;
      const tensors = file ? modelFiles('loadWeights(path)').readSafetensors(file) : (src as NamedTensors);
      return loadMappedWeights(built.model, built.weightMap, tensors, {
        prefix: built.prefix,
        source: file ?? 'tensors',
        isHeadTensor: family.isHeadTensor,
        allowUnused: loadOptions.allowUnused,
      });
    },
  };
  const checkpoint = options.checkpointPath ?? options.checkpointTensors;
  if (checkpoint) {
    try {
      result.loadReport = result.loadWeights(checkpoint, { allowUnused: options.allowUnused });
    } catch (err) {
      built.model.dispose();
      throw err;
    }
    if (!options.skipInit) deferral?.finish(built.model.weights);
  }
  return result;
}
