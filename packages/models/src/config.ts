/**
 * Model configs in Hugging Face's config.json vocabulary. Reading one validates the keys a family needs,
 * so a bad config fails with a message naming the file and key, before any tensor is made.
 */
import { Bert4tfjsError } from '@bert4tfjs/core';
import { modelFiles } from './files.ts';

/** A config.json as parsed (Hugging Face keys). */
export type RawConfig = Record<string, unknown>;

/** Reads and parses a config.json; errors name the file. */
export function readConfigFile(path: string): RawConfig {
  const files = modelFiles('readConfigFile');
  if (!files.exists(path)) throw new Bert4tfjsError(`config file not found: ${path}`, 'missing-file');
  return parseConfigJson(files.readText(path), path);
}

/** Parses the text of a config.json (read from disk, fetched or picked); errors name `where`. */
export function parseConfigJson(text: string, where: string): RawConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Bert4tfjsError(`${where}: not valid JSON (${(err as Error).message})`, 'bad-file');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Bert4tfjsError(`${where}: expected a JSON object`, 'bad-file');
  }
  return parsed as RawConfig;
}

/** Reads `key` as a positive integer (or the default); errors name the source and key. */
export function intKey(cfg: RawConfig, key: string, source: string, fallback?: number): number {
  const v = cfg[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new Bert4tfjsError(
      `${source}: '${key}' must be a non-negative integer, got ${JSON.stringify(cfg[key])}`,
      'bad-config',
    );
  }
  return v;
}

/** Reads `key` as a number (or the default). */
export function numKey(cfg: RawConfig, key: string, source: string, fallback?: number): number {
  const v = cfg[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new Bert4tfjsError(`${source}: '${key}' must be a number, got ${JSON.stringify(cfg[key])}`, 'bad-config');
  }
  return v;
}

/** Reads `key` as a string (or the default). */
export function strKey(cfg: RawConfig, key: string, source: string, fallback?: string): string {
  const v = cfg[key] ?? fallback;
  if (typeof v !== 'string') {
    throw new Bert4tfjsError(`${source}: '${key}' must be a string, got ${JSON.stringify(cfg[key])}`, 'bad-config');
  }
  return v;
}

/** A config.json without the keys only Hugging Face reads (what an original release's config file holds). */
export function withoutHfOnlyKeys(hf: RawConfig): RawConfig {
  const {
    model_type: _t,
    architectures: _a,
    pad_token_id: _p,
    torch_dtype: _d,
    transformers_version: _v,
    ...rest
  } = hf;
  return rest;
}
