/**
 * `loadTransformerModel`: a model directory (config.json + model.safetensors) read through a
 * {@link FileSource} — `fetchFileSource(url)` or `fileListSource(files)` in a web page, `nodeFileSource(dir)`
 * in Node — and built with {@link buildTransformerModel}. No file system involved, so it runs anywhere.
 */
import { parseSafetensors, type FileSource } from '@bert4tfjs/core';
import { buildTransformerModel, type BuildTransformerOptions } from './build.ts';
import { parseConfigJson } from './config.ts';
import type { TransformerModel } from './family.ts';

/** Options of {@link loadTransformerModel}: build options less the ones that name files. */
export type LoadTransformerOptions = Omit<
  BuildTransformerOptions,
  'config' | 'configPath' | 'checkpointPath' | 'checkpointTensors'
> & {
  /** Build with random weights from config.json alone (no model.safetensors read). */
  configOnly?: boolean;
};

/** Reads `config.json` and `model.safetensors` from `files` and builds the model with those weights. */
export async function loadTransformerModel(
  files: FileSource,
  options: LoadTransformerOptions = {},
): Promise<TransformerModel> {
  const where = (name: string): string => `${files.location.replace(/\/$/, '')}/${name}`;
  const config = parseConfigJson(await files.readText('config.json'), where('config.json'));
  if (options.configOnly) return buildTransformerModel({ ...options, config });
  const bytes = await files.readBytes('model.safetensors');
  const checkpointTensors = parseSafetensors(bytes, where('model.safetensors'));
  return buildTransformerModel({ ...options, config, checkpointTensors });
}
