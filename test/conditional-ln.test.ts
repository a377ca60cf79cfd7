// Conditional-LN BERT (buildTransformerModel's `layerNormCond`): every layer norm becomes conditional on a
// `condition` input; with the projections at their zero init, the Hugging Face fixture loaded into it gives
// the unconditioned reference outputs (fixtures/bert/expected.safetensors) for any condition.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { rawToFloat32, readSafetensors } from '@bert4tfjs/core';
import { buildTransformerModel, type TransformerModel } from '@bert4tfjs/models';
import type * as TfModule from '../packages/core/node_modules/@tensorflow/tfjs/dist/index.d.ts';
import { fixturePath, REPO_ROOT } from './helpers/paths.ts';
import { maxAbsDiff } from './helpers/compare.ts';

// tfjs is a dependency of @bert4tfjs/core, not of the repo root: load the copy core itself resolves.
const tfMain = createRequire(join(REPO_ROOT, 'packages', 'core', 'package.json')).resolve('@tensorflow/tfjs');
const tf = (await import(pathToFileURL(tfMain).href)) as typeof TfModule;

const ATOL = 1e-5;
const COND = 6;
const inputs = JSON.parse(readFileSync(fixturePath('bert', 'inputs.json'), 'utf8'));
const expected = readSafetensors(fixturePath('bert', 'expected.safetensors'));
const config = JSON.parse(readFileSync(fixturePath('bert', 'config.json'), 'utf8'));

describe('BERT with conditional layer normalization (fixtures/bert)', () => {
  let built: TransformerModel;
  const batch = inputs.input_ids.length as number;
  const feeds = (condSeed: number) => [
    tf.tensor2d(inputs.input_ids, undefined, 'int32'),
    tf.tensor2d(inputs.token_type_ids, undefined, 'int32'),
    tf.tensor2d(inputs.attention_mask, undefined, 'float32'),
    tf.randomNormal([batch, COND], 0, 3, 'float32', condSeed),
  ];

  beforeAll(async () => {
    await tf.setBackend('cpu');
    built = buildTransformerModel({
      model: 'bert',
      configPath: fixturePath('bert', 'config.json'),
      checkpointPath: fixturePath('bert', 'model.safetensors'),
      withPool: true,
      withMlm: true,
      withNsp: true,
      layerNormCond: { size: COND },
    });
  });

  it('adds a `condition` input and makes every layer norm conditional', () => {
    expect(built.inputNames).toEqual(['input_ids', 'token_type_ids', 'attention_mask', 'condition']);
    expect(built.model.inputs[3].shape).toEqual([null, COND]);
    const norms = built.model.layers.filter((l) => l.getClassName().endsWith('LayerNormalization'));
    // Embedding-Norm, two per block, MLM-Norm.
    expect(norms.length).toBe(2 + 2 * config.num_hidden_layers);
    expect(norms.every((l) => l.getClassName() === 'bert4tfjs.ConditionalLayerNormalization')).toBe(true);
  });

  for (const name of ['last_hidden_state', 'pooler_output', 'mlm_logits', 'nsp_logits']) {
    it(`${name} equals the unconditioned reference within ${ATOL} for a random condition`, () => {
      const before = tf.memory().numTensors;
      const x = feeds(17);
      const out = built.model.predict(x) as TfModule.Tensor[];
      const t = out[built.outputNames.indexOf(name)];
      const want = expected.get(name)!;
      expect(t.shape).toEqual(want.shape);
      const diff = maxAbsDiff(t.dataSync(), rawToFloat32(want));
      console.log(`conditional-LN ${name}: max |diff| vs reference ${diff.toExponential(2)}`);
      expect(diff).toBeLessThan(ATOL);
      tf.dispose([x, out]);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('the condition is wired in: a non-zero projection makes outputs depend on it', () => {
    const layer = built.model.getLayer('Transformer-0-FeedForward-Norm');
    const saved = layer.getWeights();
    const names = layer.weights.map((w) => w.originalName.split('/').pop());
    layer.setWeights(saved.map((w, i) => (names[i] === 'beta_dense' ? tf.fill(w.shape, 0.1) : w)));
    const [a, b] = [1, 2].map((seed) => {
      const x = feeds(seed);
      const out = built.model.predict(x) as TfModule.Tensor[];
      const v = Array.from(out[0].dataSync());
      tf.dispose([x, out]);
      return v;
    });
    layer.setWeights(saved);
    expect(maxAbsDiff(a, b)).toBeGreaterThan(1e-3);
  });

  it('rejects a bad condition size', () => {
    expect(() => buildTransformerModel({ model: 'bert', config, layerNormCond: { size: 0 } })).toThrow(
      /layerNormCond.size/,
    );
  });
});
