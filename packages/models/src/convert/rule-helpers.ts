/** Small builders for name tables: the TF sub-scopes that recur across families. */
import { Bert4tfjsError } from '@bert4tfjs/core';
import type { RawConfig } from '../config.ts';
import type { NameRule } from './types.ts';

/** A plain rename (same layout). */
export function same(tf: string, hf: string): NameRule {
  return { tf, hf };
}

/** A TF dense layer `scope/{kernel,bias}` -> HF Linear `prefix.{weight,bias}` (kernel transposed). */
export function dense(tf: string, hf: string, withBias = true): NameRule[] {
  const rules: NameRule[] = [{ tf: `${tf}/kernel`, hf: `${hf}.weight`, transpose: true }];
  if (withBias) rules.push({ tf: `${tf}/bias`, hf: `${hf}.bias` });
  return rules;
}

/** A TF LayerNorm `scope/{gamma,beta}` -> HF `prefix.{weight,bias}`. */
export function layerNorm(tf: string, hf: string): NameRule[] {
  return [
    { tf: `${tf}/gamma`, hf: `${hf}.weight` },
    { tf: `${tf}/beta`, hf: `${hf}.bias` },
  ];
}

/** Reads a non-negative integer config key for a name table; errors name the key. */
export function configInt(config: RawConfig, key: string, fallback?: number): number {
  const v = config[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new Bert4tfjsError(
      `config: '${key}' must be a non-negative integer for the name mapping, got ${JSON.stringify(config[key])}`,
      'bad-config',
    );
  }
  return v;
}
