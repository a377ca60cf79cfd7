/**
 * The RoFormer family as the registry sees it: config translation, build, config.json, heads detection
 * and the `forward` that also writes hidden states, attentions and the rotary table.
 */
import * as tf from '@tensorflow/tfjs';
import { rotarySinusoidTable } from '@bert4tfjs/core';
import { bertHeadsFromTensorNames } from '../bert.ts';
import type { RawConfig } from '../config.ts';
import { runWithInternals, tensorInputs } from '../encoder-internals.ts';
import type { Family } from '../families.ts';
import { buildRoformer, type RoformerBuildOptions } from './build.ts';
import {
  parseRoformerConfig,
  roformerConfigToJson,
  ROFORMER_NAMES,
  type RoformerConfig,
  type RoformerVariant,
} from './config.ts';

/** The family of one RoFormer variant (the config's defaults for `use_bias`, `norm_type`, `pooler_activation`). */
export function roformerFamily(variant: RoformerVariant): Family {
  return {
    names: [variant],
    parseConfig: (raw: RawConfig, source: string) => parseRoformerConfig(raw, source, variant),
    build: (c, o) => buildRoformer(c as RoformerConfig, o as RoformerBuildOptions, variant),
    configToJson: (c) => roformerConfigToJson(c as RoformerConfig),
    headsFromTensorNames: (names) => {
      const { withPool, withMlm } = bertHeadsFromTensorNames(names);
      return { withPool, withMlm };
    },
    forward: (built, inputs) => {
      const out = runWithInternals(built, tensorInputs(inputs));
      const c = built.config as RoformerConfig;
      const length = out.last_hidden_state.shape[1] as number;
      const dim = c.hiddenSize / c.numAttentionHeads;
      out.sinusoidal_pos = tf.tensor2d(rotarySinusoidTable(length, dim), [length, dim]);
      return out;
    },
  };
}

/** RoFormer, RoFormer-Sim and RoFormer-V2, one family each. */
export const ROFORMER_FAMILIES: Family[] = ROFORMER_NAMES.map(roformerFamily);
