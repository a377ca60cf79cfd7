// ALBERT's structure: shared layers really share weights, groups map to layers as Hugging Face's
// floor(i / (layers / groups)), impossible configs fail with the keys named, and vocabulary surgery
// (keepTokens / compoundTokens) reaches the E-dim embedding and the MLM bias.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Bert4tfjsError, rawToFloat32, readSafetensors, readSafetensorsHeader } from '@bert4tfjs/core';
import {
  buildTransformerModel,
  exportHfTensors,
  findWeight,
  loadModelDir,
  runModel,
  saveModelDir,
  type TransformerModel,
} from '../src/index.ts';
import { ALBERT_FAMILY, parseAlbertConfig } from '../src/albert/index.ts';
import { fixturePath } from '../../../test/helpers/paths.ts';
import { maxAbsDiff } from '../../../test/helpers/compare.ts';

const config = JSON.parse(readFileSync(fixturePath('albert', 'config.json'), 'utf8'));
const checkpoint = fixturePath('albert', 'model.safetensors');
const inputs = JSON.parse(readFileSync(fixturePath('albert', 'inputs.json'), 'utf8'));
const feed = {
  input_ids: inputs.input_ids,
  attention_mask: inputs.attention_mask,
  token_type_ids: inputs.token_type_ids,
};

function errorOf(f: () => unknown): Bert4tfjsError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(Bert4tfjsError);
    return e as Bert4tfjsError;
  }
  throw new Error('expected a Bert4tfjsError');
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('ALBERT config checks', () => {
  it('num_hidden_layers not divisible by num_hidden_groups is an error naming both keys and values', () => {
    const e = errorOf(() =>
      parseAlbertConfig({ ...config, num_hidden_layers: 3, num_hidden_groups: 2 }, 'my/config.json'),
    );
    expect(e.message).toMatch(/my\/config\.json/);
    expect(e.message).toMatch(/num_hidden_layers 3/);
    expect(e.message).toMatch(/num_hidden_groups 2/);
  });

  it('zero groups, zero inner layers and a bad head split are errors naming the key', () => {
    expect(errorOf(() => parseAlbertConfig({ ...config, num_hidden_groups: 0 })).message).toMatch(
      /num_hidden_groups 0/,
    );
    expect(errorOf(() => parseAlbertConfig({ ...config, inner_group_num: 0 })).message).toMatch(/inner_group_num/);
    expect(errorOf(() => parseAlbertConfig({ ...config, num_attention_heads: 5 })).message).toMatch(
      /num_attention_heads 5/,
    );
    expect(errorOf(() => parseAlbertConfig({ ...config, embedding_size: 'x' })).message).toMatch(/embedding_size/);
  });

  it('buildTransformerModel surfaces the same error', () => {
    const e = errorOf(() =>
      buildTransformerModel({ config: { ...config, num_hidden_layers: 5, num_hidden_groups: 2 } }),
    );
    expect(e.message).toMatch(/num_hidden_layers 5.*num_hidden_groups 2/);
  });

  it('a config asking for a group the checkpoint lacks fails at load, listing the missing tensors', () => {
    const e = errorOf(() =>
      buildTransformerModel({ config: { ...config, num_hidden_groups: 2 }, checkpointPath: checkpoint }),
    );
    expect(e.message).toMatch(/missing 16 tensor\(s\)/);
    expect(e.message).toMatch(/albert\.encoder\.albert_layer_groups\.1\.albert_layers\.0\.ffn\.weight/);
  });

  it('a wrong embedding_size names the mis-shaped tensors', () => {
    const e = errorOf(() =>
      buildTransformerModel({ config: { ...config, embedding_size: 8 }, checkpointPath: checkpoint }),
    );
    expect(e.message).toMatch(/albert\.embeddings\.word_embeddings\.weight: checkpoint \[300,16\]/);
  });

  it('applies Hugging Face ALBERT defaults (gelu_new, no dropout) and round-trips the config keys', () => {
    const {
      hidden_act: _a,
      hidden_dropout_prob: _h,
      attention_probs_dropout_prob: _p,
      embedding_size: _e,
      ...rest
    } = config;
    const c = parseAlbertConfig(rest);
    expect([c.hiddenAct, c.hiddenDropoutProb, c.attentionProbsDropoutProb, c.embeddingSize]).toEqual([
      'gelu_new',
      0,
      0,
      128,
    ]);
    const json = ALBERT_FAMILY.configToJson(parseAlbertConfig(config), 'albert_unshared');
    expect(json).toMatchObject({
      model_type: 'albert',
      embedding_size: 16,
      hidden_size: 32,
      num_hidden_groups: 1,
      inner_group_num: 1,
    });
  });
});

describe('ALBERT weight sharing', () => {
  let shared: TransformerModel;
  let unshared: TransformerModel;
  beforeAll(() => {
    const common = { config, checkpointPath: checkpoint, withPool: true, withMlm: true, withSop: true };
    shared = buildTransformerModel(common);
    unshared = buildTransformerModel({ ...common, model: 'albert_unshared' });
  });

  it('the shared model has exactly one trainable weight per checkpoint tensor (not one per layer)', () => {
    const stored = [...readSafetensorsHeader(checkpoint).tensors.entries()].filter(([, t]) => t.dtype === 'F32');
    expect(stored.length).toBe(32);
    expect(shared.model.trainableWeights.length).toBe(stored.length);
    // Same number of scalars too: nothing duplicated behind the count.
    const params = (m: TransformerModel) =>
      m.model.trainableWeights.reduce((n, w) => n + (w.shape as number[]).reduce((a, b) => a * b, 1), 0);
    expect(params(shared)).toBe(stored.reduce((n, [, t]) => n + t.shape.reduce((a, b) => a * b, 1), 0));
    // The unshared copy has one 16-weight layer set per layer (2 layers).
    expect(unshared.model.trainableWeights.length).toBe(stored.length + 16);
  });

  it('the shared layer is called once per layer', () => {
    const ffn = shared.model.getLayer('Transformer-G0-0-FeedForward');
    expect(ffn.inboundNodes.length).toBe(config.num_hidden_layers);
  });

  it('changing one shared weight acts in every layer: equal to unshared with all layers changed, not just one', () => {
    const bump = tf.randomNormal([config.hidden_size], 0, 0.5, 'float32', 7);
    const setBias = (m: TransformerModel, layer: string) => {
      const v = findWeight(m.model, layer, 'outer_bias');
      const t = tf.tidy(() => v.read().add(bump));
      v.write(t);
      t.dispose();
    };
    const run = (m: TransformerModel) => {
      const out = runModel(m, feed);
      const data = out.last_hidden_state.dataSync().slice();
      Object.values(out).forEach((t) => t.dispose());
      return data;
    };
    const sharedCopy = buildTransformerModel({ config, checkpointPath: checkpoint });
    const oneLayer = buildTransformerModel({ config, checkpointPath: checkpoint, model: 'albert_unshared' });
    const allLayers = buildTransformerModel({ config, checkpointPath: checkpoint, model: 'albert_unshared' });
    setBias(sharedCopy, 'Transformer-G0-0-FeedForward');
    setBias(oneLayer, 'Transformer-0-FeedForward');
    setBias(allLayers, 'Transformer-0-FeedForward');
    setBias(allLayers, 'Transformer-1-FeedForward');
    const s = run(sharedCopy);
    expect(maxAbsDiff(s, run(allLayers))).toBeLessThan(1e-5);
    expect(maxAbsDiff(s, run(oneLayer))).toBeGreaterThan(1e-2);
    bump.dispose();
    [sharedCopy, oneLayer, allLayers].forEach((m) => m.model.dispose());
  });
});

describe('ALBERT groups: 4 layers, 2 groups of 2 inner layers', () => {
  const grouped = { ...config, num_hidden_layers: 4, num_hidden_groups: 2, inner_group_num: 2 };

  it('layer i runs group floor(i / 2); albert_unshared loads each layer from its group and matches albert', () => {
    const shared = buildTransformerModel({ config: grouped, withMlm: true });
    // Large random weights so a wrong group order would show in the outputs.
    tf.tidy(() =>
      shared.model.weights.forEach((w, i) => w.write(tf.randomNormal(w.shape as number[], 0, 0.3, 'float32', i + 1))),
    );
    const tensors = exportHfTensors(shared);
    // 2 groups x 2 inner layers x 16 tensors, plus embeddings, mapping, MLM head.
    expect([...tensors.keys()].filter((n) => n.includes('albert_layer_groups')).length).toBe(64);
    const unshared = buildTransformerModel({ config: grouped, withMlm: true, model: 'albert_unshared' });
    unshared.loadWeights(tensors);
    const wantGroup = [0, 0, 1, 1]; // floor(i / (4 / 2))
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 2; j++) {
        const got = findWeight(unshared.model, `Transformer-${i * 2 + j}-FeedForward`, 'inner_kernel').read();
        const src = tensors.get(`albert.encoder.albert_layer_groups.${wantGroup[i]}.albert_layers.${j}.ffn.weight`)!;
        // HF Linear weight is [out, in]; ours is [in, out].
        const want = tf.tidy(() => tf.tensor(rawToFloat32(src), src.shape).transpose());
        expect(maxAbsDiff(got.dataSync(), want.dataSync())).toBe(0);
        want.dispose();
      }
    }
    const a = runModel(shared, feed);
    const b = runModel(unshared, feed);
    expect(maxAbsDiff(a.mlm_logits.dataSync(), b.mlm_logits.dataSync())).toBeLessThan(1e-4);
    // The groups really differ, so the comparison above could fail.
    const g0 = rawToFloat32(tensors.get('albert.encoder.albert_layer_groups.0.albert_layers.0.ffn.weight')!);
    const g1 = rawToFloat32(tensors.get('albert.encoder.albert_layer_groups.1.albert_layers.0.ffn.weight')!);
    expect(maxAbsDiff(g0, g1)).toBeGreaterThan(0.1);
    [...Object.values(a), ...Object.values(b)].forEach((t) => t.dispose());
    shared.model.dispose();
    unshared.model.dispose();
  });
});

describe('ALBERT vocabulary surgery', () => {
  const source = readSafetensors(checkpoint);
  const keep = [0, 1, 2, 3, 4, 299, 108, 256, 179, 125, 173, 153, 193, 53, 287, 186, 263, 45, 78, 138, 122, 107, 68];
  const compound = [{ ids: [10, 20], weights: [1, 3] }];

  it('keepTokens + compoundTokens slice the E-dim embedding rows and the MLM bias', () => {
    const built = buildTransformerModel({
      config,
      checkpointPath: checkpoint,
      withMlm: true,
      keepTokens: keep,
      compoundTokens: compound,
    });
    const E = config.embedding_size;
    const table = findWeight(built.model, 'Embedding-Token', 'embeddings').read().dataSync();
    const bias = findWeight(built.model, 'MLM-Bias', 'bias').read().dataSync();
    expect(table.length).toBe((keep.length + 1) * E);
    const srcTable = rawToFloat32(source.get('albert.embeddings.word_embeddings.weight')!);
    const srcBias = rawToFloat32(source.get('predictions.bias')!);
    keep.forEach((old, i) => {
      expect(Array.from(table.subarray(i * E, (i + 1) * E))).toEqual(
        Array.from(srcTable.subarray(old * E, (old + 1) * E)),
      );
      expect(bias[i]).toBe(srcBias[old]);
    });
    // Compound ids index the kept vocabulary: new ids 10, 20 = old ids keep[10], keep[20]; weights 1:3.
    const [a, b] = compound[0].ids.map((id) => keep[id]);
    for (let d = 0; d < E; d++) {
      expect(table[keep.length * E + d]).toBeCloseTo((srcTable[a * E + d] + 3 * srcTable[b * E + d]) / 4, 6);
    }
    expect(bias[keep.length]).toBeCloseTo((srcBias[a] + 3 * srcBias[b]) / 4, 6);

    // Logits of the sliced model = the full model's logits at the kept columns, on remapped ids.
    const full = buildTransformerModel({ config, checkpointPath: checkpoint, withMlm: true });
    const newId = new Map(keep.map((old, i) => [old, i]));
    const remapped = inputs.input_ids.map((row: number[]) =>
      row.map((id) => {
        expect(newId.has(id), `input id ${id} kept`).toBe(true);
        return newId.get(id)!;
      }),
    );
    const small = runModel(built, { ...feed, input_ids: remapped });
    const big = runModel(full, feed);
    const cols = tf.tidy(() => tf.gather(big.mlm_logits, keep, 2));
    const smallKept = tf.tidy(() => small.mlm_logits.slice([0, 0, 0], [-1, -1, keep.length]));
    expect(maxAbsDiff(smallKept.dataSync(), cols.dataSync())).toBeLessThan(1e-5);
    [...Object.values(small), ...Object.values(big), cols, smallKept].forEach((t) => t.dispose());
    built.model.dispose();
    full.model.dispose();
  });
});

describe('ALBERT model directories', () => {
  it('saveModelDir writes Hugging Face names that loadModelDir reads back to the same outputs', async () => {
    const built = buildTransformerModel({
      config,
      checkpointPath: checkpoint,
      withPool: true,
      withMlm: true,
      withSop: true,
    });
    const root = mkdtempSync(join(tmpdir(), 'albert-'));
    try {
      await saveModelDir(built, join(root, 'model'));
      const names = [...readSafetensorsHeader(join(root, 'model', 'model.safetensors')).tensors.keys()].sort();
      const original = [...readSafetensorsHeader(checkpoint).tensors.keys()]
        .filter((n) => !n.endsWith('position_ids'))
        .sort();
      expect(names).toEqual(original);
      const again = loadModelDir(join(root, 'model'));
      expect([...again.outputNames].sort()).toEqual(['last_hidden_state', 'mlm_logits', 'pooler_output', 'sop_logits']);
      const a = runModel(built, feed);
      const b = runModel(again, feed);
      for (const name of again.outputNames) expect(maxAbsDiff(a[name].dataSync(), b[name].dataSync()), name).toBe(0);
      [...Object.values(a), ...Object.values(b)].forEach((t) => t.dispose());
      again.model.dispose();
    } finally {
      rmSync(root, { recursive: true, force: true });
      built.model.dispose();
    }
  });
});
