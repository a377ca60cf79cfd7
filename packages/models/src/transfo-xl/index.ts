/**
 * The Transformer-XL family (`model_type` 'transfo-xl'; 'transfo_xl' also accepted). Config in
 * config.ts, builder with its weight map in model.ts, the stateful segment step in step.ts, the
 * kimiyoung TF names and config keys in tf-names.ts / tf-config.ts; this file is what the registry sees.
 */
import type { Family } from '../family.ts';
import { parseTransfoXlConfig, transfoXlConfigToJson, type TransfoXlConfig } from './config.ts';
import { buildTransfoXl } from './model.ts';
import { transfoXlForward } from './step.ts';
import { transfoXlConfigFromTf, transfoXlConfigToTf } from './tf-config.ts';
import { transfoXlNameRules } from './tf-names.ts';

export * from './config.ts';
export * from './model.ts';
export * from './step.ts';
export * from './train.ts';
export * from './tf-config.ts';
export * from './tf-names.ts';

/** The Transformer-XL family for the registry. */
export const TRANSFO_XL_FAMILY: Family<TransfoXlConfig> = {
  names: ['transfo-xl', 'transfo_xl'],
  modelType: () => 'transfo-xl',
  parseConfig: parseTransfoXlConfig,
  build: (c, o) => buildTransfoXl(c, { withLmHead: o.withLmHead as boolean | undefined }),
  configToJson: transfoXlConfigToJson,
  options: [],
  isHeadTensor: (name) => name.startsWith('crit.'),
  headsFromTensorNames: (names) => ({ withLmHead: names.some((n) => n.startsWith('crit.')) }),
  forward: transfoXlForward,
  checkpoint: {
    models: ['transfo-xl'],
    nameRules: transfoXlNameRules,
    looksLike: (names) =>
      names.some(
        (n) => /^transformer\/(adaptive_embed|layer_0\/rel_attn)/.test(n) || n.startsWith('transformer.word_emb.'),
      ),
    configFromOriginal: (found, listing) => (found ? transfoXlConfigFromTf(found, listing) : null),
    configToOriginal: transfoXlConfigToTf,
    files: { checkpoint: 'model.ckpt', config: 'config.json', otherConfigs: ['xl_config.json'] },
    architectures: { 'transfo-xl': 'TransfoXLLMHeadModel' },
    hfPrefix: 'transformer',
  },
};
