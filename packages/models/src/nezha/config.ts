/** NEZHA configs (Hugging Face `NezhaConfig` keys): BERT's plus the clipping distance of relative positions. */
import { Bert4tfjsError } from '@bert4tfjs/core';
import { bertConfigToJson, parseBertConfig, type BertConfig } from '../bert/config.ts';
import { intKey, type RawConfig } from '../config.ts';

/** NEZHA hyper-parameters. */
export interface NezhaConfig extends BertConfig {
  /** Relative distances are clipped to ±this (`max_relative_position`, Hugging Face default 64). */
  maxRelativePosition: number;
}

/** Reads a NEZHA config; `source` names the file in errors. */
export function parseNezhaConfig(cfg: RawConfig, source = 'config'): NezhaConfig {
  const c: NezhaConfig = {
    ...parseBertConfig(cfg, source),
    maxRelativePosition: intKey(cfg, 'max_relative_position', source, 64),
  };
  if (c.maxRelativePosition < 1) {
    throw new Bert4tfjsError(
      `${source}: max_relative_position must be >= 1, got ${c.maxRelativePosition}`,
      'bad-config',
    );
  }
  return c;
}

/** The config.json keys of a NEZHA config. */
export function nezhaConfigToJson(c: NezhaConfig): RawConfig {
  return { ...bertConfigToJson(c, 'nezha'), max_relative_position: c.maxRelativePosition };
}
