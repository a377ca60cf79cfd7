// A builder given a shared encoder option its family cannot honour throws a Bert4tfjsError naming the
// option and the family, instead of silently building without it; the options it does honour still build.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Bert4tfjsError, MultiHeadAttention } from '@bert4tfjs/core';
import { buildTransformerModel, ENCODER_OPTIONS, FAMILIES, type BuildTransformerOptions } from '../src/index.ts';
import { fixturePath } from '../../../test/helpers/paths.ts';

const PERFORMER = { type: 'performer', features: 16, seed: 1 };
const CONFIGS: Record<string, string> = {
  albert: fixturePath('albert', 'config.json'),
  t5: fixturePath('t5', 'config.json'),
  'transfo-xl': fixturePath('transfo_xl', 'config.json'),
  bert: fixturePath('bert', 'config.json'),
};

function build(model: string, options: Partial<BuildTransformerOptions>) {
  return buildTransformerModel({ configPath: CONFIGS[model], model, skipInit: true, ...options });
}

/** The error `fn` throws (fails the test when it throws nothing or something else). */
function errorOf(fn: () => unknown): Bert4tfjsError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(Bert4tfjsError);
    return err as Bert4tfjsError;
  }
  throw new Error('expected a Bert4tfjsError, nothing was thrown');
}

describe('options a family cannot honour', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  const refused: Array<[string, string, Partial<BuildTransformerOptions>]> = [
    ['t5', 'attention', { attention: PERFORMER }],
    ['t5', 'layerNormCond', { layerNormCond: { size: 4 } }],
    ['t5', 'keepTokens', { keepTokens: [0, 1, 2] }],
    ['t5', 'withMlm', { withMlm: true }],
    ['albert', 'layerNormCond', { layerNormCond: { size: 4 } }],
    ['transfo-xl', 'attention', { attention: PERFORMER }],
    ['transfo-xl', 'compoundTokens', { compoundTokens: [[1, 2]] }],
    ['transfo-xl', 'numLabels', { numLabels: 3 }],
  ];
  for (const [model, option, options] of refused) {
    it(`${model} refuses ${option}, naming both`, () => {
      const err = errorOf(() => build(model, options));
      expect(err.message).toContain(`option '${option}' is not supported by the ${model} family`);
      expect(err.code).toBe('unsupported');
    });
  }

  // A value of every shared option that asks for something beyond the plain encoder.
  const ASKING: Record<(typeof ENCODER_OPTIONS)[number], unknown> = {
    withPool: true,
    withMlm: true,
    withNsp: true,
    attention: PERFORMER,
    keepTokens: [0, 1, 2],
    compoundTokens: [[1, 2]],
    layerNormCond: { size: 4 },
    numLabels: 3,
    application: 'unilm',
  };
  it('every registered family refuses every shared option it does not list, naming option and family', () => {
    let refusals = 0;
    for (const family of FAMILIES) {
      for (const option of ENCODER_OPTIONS.filter((o) => !family.options.includes(o))) {
        for (const name of family.names) {
          // The check runs before the config is parsed, so an empty config is enough to reach it.
          const err = errorOf(() => buildTransformerModel({ config: {}, model: name, [option]: ASKING[option] }));
          expect(err.message).toContain(`option '${option}' is not supported by the ${name} family`);
          expect(err.code).toBe('unsupported');
          refusals++;
        }
      }
    }
    // T5 and Transformer-XL honour none of the options, so the loop cannot be empty.
    expect(refusals).toBeGreaterThanOrEqual(2 * ENCODER_OPTIONS.length);
  });

  for (const model of ['albert', 't5', 'transfo-xl', 'gpt2', 'roformer', 'nezha']) {
    it(`${model} refuses application 'unilm' and 'lm' (no UniLM / LM mask in its builder)`, () => {
      for (const application of ['unilm', 'lm'] as const) {
        const err = errorOf(() => buildTransformerModel({ config: {}, model, application }));
        expect(err.message).toContain(`option 'application' is not supported by the ${model} family`);
      }
    });
  }

  it('unset, false, null, empty and softmax values ask for nothing and build', () => {
    const t5 = build('t5', {
      attention: { type: 'softmax' },
      withMlm: false,
      keepTokens: null,
      compoundTokens: [],
      application: 'encoder',
    });
    expect(t5.family).toBe('t5');
    t5.model.dispose();
  });

  it('ALBERT honours Performer attention: every attention layer runs the performer kernel', () => {
    const albert = build('albert', { attention: PERFORMER });
    const attention = albert.model.layers.filter((l) => l instanceof MultiHeadAttention) as MultiHeadAttention[];
    expect(attention.length).toBeGreaterThan(0);
    for (const layer of attention) expect(layer.attention.type).toBe('performer');
    albert.model.dispose();
  });

  it('BERT honours conditional layer norm: a `condition` input appears', () => {
    const bert = build('bert', { layerNormCond: { size: 4 } });
    expect(bert.inputNames).toContain('condition');
    bert.model.dispose();
  });
});
