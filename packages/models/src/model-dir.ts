/**
 * Model directories in the Hugging Face layout: `config.json` + `model.safetensors` (Hugging Face tensor
 * names) + a vocabulary file. Loading builds the family named by `model_type`; saving writes the
 * directory atomically so a failed save never leaves a half-written model.
 */
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  Bert4tfjsError,
  readSafetensorsHeader,
  writeDirAtomic,
  writeSafetensors,
  type NamedTensors,
} from '@bert4tfjs/core';
import { readConfigFile } from './config.ts';
import { getFamily } from './registry.ts';
import { buildTransformerModel, type BuildTransformerOptions } from './build.ts';
import type { TransformerModel } from './family.ts';
import { exportHfTensors } from './hf-tensors.ts';

export { exportHfTensors } from './hf-tensors.ts';

/** Files a model directory may hold besides config.json and model.safetensors. */
export const VOCAB_FILES = [
  'vocab.txt',
  'spiece.model',
  'sentencepiece.model',
  'tokenizer.json',
  'vocab.json',
  'merges.txt',
  'encoder.json',
  'vocab.bpe',
];

/**
 * Loads a model directory: builds the family of its config.json with every head the checkpoint carries
 * (pooler, MLM, NSP/SOP, unless `options` says otherwise) and loads model.safetensors.
 */
export function loadModelDir(dir: string, options: Partial<BuildTransformerOptions> = {}): TransformerModel {
  const configPath = join(dir, 'config.json');
  const weights = join(dir, 'model.safetensors');
  if (!existsSync(dir)) throw new Bert4tfjsError(`model directory not found: ${dir}`, 'missing-file');
  if (!existsSync(configPath)) throw new Bert4tfjsError(`${dir} has no config.json`, 'missing-file');
  if (!existsSync(weights)) {
    // A PyTorch-only download (pytorch_model.bin) is one `convert` away from loading.
    const bin = join(dir, 'pytorch_model.bin');
    const hint = existsSync(bin) ? `; it has ${bin}: run \`bert4tfjs convert --from ${bin} --out DIR\` first` : '';
    throw new Bert4tfjsError(`${dir} has no model.safetensors${hint}`, 'missing-file');
  }
  const raw = readConfigFile(configPath);
  const name = options.model ?? (typeof raw.model_type === 'string' ? raw.model_type : undefined);
  if (!name) throw new Bert4tfjsError(`${configPath}: no 'model_type'`, 'bad-config');
  const heads = getFamily(name).headsFromTensorNames([...readSafetensorsHeader(weights).tensors.keys()]);
  // configPath (not the parsed object), so config errors name the file.
  return buildTransformerModel({ ...heads, ...options, configPath, model: name, checkpointPath: weights });
}

/** Writes `built` as a model directory (config.json, model.safetensors, vocab files) atomically. */
export async function saveModelDir(
  built: TransformerModel,
  dir: string,
  options: {
    vocabFiles?: string[];
    force?: boolean;
    dtype?: 'F32' | 'F16' | 'BF16';
    extraConfig?: Record<string, unknown>;
  } = {},
): Promise<void> {
  const tensors = exportHfTensors(built, options.dtype);
  const vocabEntry = built.model.getLayer('Embedding-Token')?.weights[0];
  const config = { ...built.rawConfig, ...options.extraConfig };
  if (vocabEntry) config.vocab_size = vocabEntry.shape[0];
  await writeDirAtomic(
    dir,
    (tmp) => {
      writeFileSync(join(tmp, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
      writeSafetensors(join(tmp, 'model.safetensors'), tensors, { format: 'pt' });
      for (const f of options.vocabFiles ?? []) {
        if (!existsSync(f)) throw new Bert4tfjsError(`vocabulary file not found: ${f}`, 'missing-file');
        copyFileSync(f, join(tmp, basename(f)));
      }
    },
    { force: options.force },
  );
}
