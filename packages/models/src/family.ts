/**
 * The `Family` contract: everything a model family supplies to the rest of the toolkit, in one place.
 * A family lives in its own folder (`bert/`, `albert/`, `t5/`, `transfo-xl/`, ...) and exports one
 * `Family` object; `registry.ts` lists them. The builder, `loadModelDir`, `forward`, `convert`, `export`
 * and the ONNX exporter ask the registry for the family and call only what is declared here, so adding
 * a family is one folder plus one registry line — if it takes more, this contract is missing something.
 */
import type * as tf from '@tensorflow/tfjs';
import type { NamedTensors, PoolingMode } from '@bert4tfjs/core';
import type { RawConfig } from './config.ts';
import type { NameRule, TensorInfo } from './convert/types.ts';
import type { BertBuildOptions } from './encoder/build-options.ts';
import type { EncoderGraphLayout } from './onnx/encoder-graph.ts';
import type { LoadReport, WeightMapping } from './weights.ts';

/** A built family: the tfjs model plus its input/output names and weight map. */
export interface FamilyBuild<C> {
  model: tf.LayersModel;
  config: C;
  inputNames: string[];
  outputNames: string[];
  /** For every layer weight, the Hugging Face tensor it loads from (the family's one weight map). */
  weightMap: WeightMapping[];
  /** Prefix Hugging Face task models put before encoder names (`bert.`), tried both ways at load. */
  prefix: string;
}

/**
 * What a family's builder is given: the shared encoder options ({@link BertBuildOptions}), the name it
 * was asked for (`model`), the checkpoint about to be loaded, and any family-specific options.
 */
export type FamilyBuildOptions = BertBuildOptions & {
  model?: string;
  checkpointPath?: string;
  [key: string]: unknown;
};

/** A built model and what the rest of the toolkit needs to drive it. */
export interface TransformerModel {
  /** The tfjs-layers model: extend it with the functional API. */
  model: tf.LayersModel;
  /** The family name it was built as. */
  family: string;
  /** The parsed config. */
  config: unknown;
  /** The config as config.json keys. */
  rawConfig: RawConfig;
  inputNames: string[];
  outputNames: string[];
  weightMap: WeightMapping[];
  prefix: string;
  /**
   * Loads Hugging Face-named tensors (or a safetensors file) into the model; throws listing every missing,
   * mis-shaped and unused tensor (unused task heads excepted; `allowUnused`: report the others instead).
   */
  loadWeights(source: string | NamedTensors, options?: { allowUnused?: boolean }): LoadReport;
  /** What loading `checkpointPath` did, when the model was built with one. */
  loadReport?: LoadReport;
  /** Family-specific extras (e.g. T5's `encoder` and `decoder` models, Transformer-XL's `step`). */
  [extra: string]: unknown;
}

/** Sentence-vector poolings over an encoder's outputs (`embed --pooling`): core's modes plus the pooler head. */
export type SentencePooling = PoolingMode | 'pooler';

/**
 * The sentence pooling `embed`, `similar`, the embedders and `train-matching`'s bi-encoders use when
 * neither the caller nor the model directory (bert4tfjs.json) names one: the mean over real tokens, as
 * sentence-transformers' Pooling layer and Hugging Face's sentence-similarity models do. The one place
 * this default lives; a family whose encoders pool otherwise says so in `Family.sentencePooling`.
 */
export const DEFAULT_SENTENCE_POOLING: SentencePooling = 'mean';

/**
 * Original-release checkpoints (google-research/bert, ALBERT, Mesh T5, kimiyoung Transformer-XL, ...):
 * how `convert --from model.ckpt` reads them and `export --to tf-checkpoint` writes them. The name table
 * is the only map between the two naming schemes; import and export both run it.
 */
export interface FamilyCheckpoint {
  /** The `convert --model` values this family answers to (the first is the canonical one). */
  models: readonly string[];
  /** The TF <-> Hugging Face name table for a Hugging Face config (`model`: the convert model name). */
  nameRules(hfConfig: RawConfig, model: string): NameRule[];
  /** Whether an original checkpoint with these tensor names (`module/` stripped) is this family's. */
  looksLike(tensorNames: string[]): boolean;
  /**
   * The Hugging Face-keyed config of an original checkpoint, from the config file found beside it (null:
   * none) and the tensor listing; null when a config file is required and missing.
   */
  configFromOriginal(found: RawConfig | null, listing: TensorInfo[]): RawConfig | null;
  /** The original release's config keys, for a TF export of a Hugging Face config. */
  configToOriginal(hfConfig: RawConfig): RawConfig;
  /**
   * File names of the original release: checkpoint prefix and config file (e.g. `bert_model.ckpt`,
   * `bert_config.json`; export writes these), and other config names convert also looks for.
   */
  files: { checkpoint: string; config: string; otherConfigs?: string[] };
  /** `architectures` written into config.json, by Hugging Face `model_type`. */
  architectures: Record<string, string>;
  /** Prefix of the encoder's Hugging Face names in task models (`bert`), dropped when a checkpoint lacks it. */
  hfPrefix?: string;
}

/** ONNX export: the encoder layout our ONNX graph emitter writes for a built model of this family. */
export interface FamilyOnnx {
  /** The family names it exports, as error messages list them (default: all of the family's names). */
  names?: readonly string[];
  /** The layout of `built` (tensor names per layer, sizes, activation); throws naming what cannot be exported. */
  layout(built: TransformerModel): EncoderGraphLayout;
}

/** Everything a model family supplies. `C` is its parsed config. */
export interface Family<C = unknown> {
  /** Names accepted for `model` / `model_type` (the first is the canonical one). */
  names: readonly string[];
  /** The Hugging Face `model_type` a model built under `name` is written as (`wobert` -> `bert`). */
  modelType(name: string): string;
  /** Reads and validates a config.json (Hugging Face keys); `source` names the file in errors. */
  parseConfig(raw: RawConfig, source: string): C;
  /** The config.json keys of a parsed config, with the Hugging Face `model_type` that `name` is written as. */
  configToJson(config: C, name: string): RawConfig;
  /** Builds the tfjs model and its weight map (Hugging Face tensor names). */
  build(config: C, options: FamilyBuildOptions): FamilyBuild<C>;
  /**
   * The shared encoder options ({@link BertBuildOptions} keys) this family's builder honours; the builder
   * entry point rejects any other one that is set, naming the option and the family.
   */
  options: readonly (keyof BertBuildOptions)[];
  /** Which optional heads a checkpoint with these tensor names carries (e.g. `{ withMlm: true }`). */
  headsFromTensorNames(names: string[]): Record<string, boolean>;
  /**
   * Whether a Hugging Face tensor belongs to an optional task head (pooler, MLM, NSP/SOP, classifier, LM
   * head). A model built without that head leaves it out deliberately (reported, not an error); any other
   * unused tensor (a layer the config does not have, a misspelt name) fails the load.
   */
  isHeadTensor?(name: string): boolean;
  /**
   * Runs `bert4tfjs forward` for this family when plain `runModel` does not fit (e.g. Transformer-XL's
   * segments with memories). Returns outputs by name; the caller disposes them.
   */
  forward?(built: TransformerModel, inputs: Record<string, unknown>): Record<string, tf.Tensor>;
  /** Original TF checkpoint conversion; absent: the family loads and exports Hugging Face formats only. */
  checkpoint?: FamilyCheckpoint;
  /** ONNX export; absent: the ONNX engine does not cover this family. */
  onnx?: FamilyOnnx;
  /** Sentence pooling of this family's encoders when nothing else names one; absent: {@link DEFAULT_SENTENCE_POOLING}. */
  sentencePooling?: SentencePooling;
}
