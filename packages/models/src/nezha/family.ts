/**
 * The NEZHA family as the registry sees it: config translation, build, config.json, heads detection and
 * the `forward` that also writes hidden states, attentions and the relative-position encoding.
 */
import * as tf from '@tensorflow/tfjs';
import { nezhaRelativeEncoding } from '@bert4tfjs/core';
import { bertHeadsFromTensorNames } from '../bert.ts';
import type { RawConfig } from '../config.ts';
import { runWithInternals, tensorInputs } from '../encoder-internals.ts';
import type { Family } from '../families.ts';
import { buildNezha } from './build.ts';
import { nezhaConfigToJson, parseNezhaConfig, type NezhaConfig } from './config.ts';

/** NEZHA (functional relative positions). */
export const NEZHA_FAMILY: Family = {
  names: ['nezha'],
  parseConfig: (raw: RawConfig, source: string) => parseNezhaConfig(raw, source),
  build: (c, o) => buildNezha(c as NezhaConfig, o),
  configToJson: (c) => nezhaConfigToJson(c as NezhaConfig),
  headsFromTensorNames: bertHeadsFromTensorNames,
  forward: (built, inputs) => {
    const out = runWithInternals(built, tensorInputs(inputs));
    const c = built.config as NezhaConfig;
    const length = out.last_hidden_state.shape[1] as number;
    const dim = c.hiddenSize / c.numAttentionHeads;
    out.relative_positions_encoding = tf.tensor3d(nezhaRelativeEncoding(length, length, c.maxRelativePosition, dim), [
      length,
      length,
      dim,
    ]);
    return out;
  },
};
