// RoFormer-V2, RoFormer-Sim and rotary_value have no Hugging Face fixture; they are checked by worked
// properties on models built in code: V2 has no bias or norm weight at all and its embedding output is
// (E[id] + S[seg]) / sqrt(mean(·²) + eps); its MLM logits are h·Eᵀ; Sim's pooler is linear; rotary
// scores depend on j − i only (so log p[i][j] − log p[i][i] is the same along every diagonal);
// rotary_value changes the context but not the attention; options a variant cannot honour are refused.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildTransformerModel, findWeight, runModel, runWithInternals, type TransformerModel } from '../src/index.ts';
import { maxAbsDiff } from '../../../test/helpers/compare.ts';

const CONFIG = {
  model_type: 'roformer',
  vocab_size: 50,
  hidden_size: 16,
  num_hidden_layers: 2,
  num_attention_heads: 2,
  intermediate_size: 32,
  max_position_embeddings: 32,
  type_vocab_size: 2,
  hidden_dropout_prob: 0,
  attention_probs_dropout_prob: 0,
  layer_norm_eps: 1e-6,
};
const IDS = [
  [2, 7, 9, 11, 3, 0],
  [2, 5, 3, 0, 0, 0],
];
const MASK = IDS.map((r, i) => r.map((_, j) => (j < [5, 3][i] ? 1 : 0)));
const SEG = IDS.map((r) => r.map((_, j) => (j >= 3 ? 1 : 0)));

function weight(built: TransformerModel, layer: string, name: string): Float32Array {
  return findWeight(built.model, layer, name).read().dataSync() as Float32Array;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('RoFormer-V2 (bert4keras RoFormerV2: no biases, scale-free RMS norm, tied MLM without bias)', () => {
  let v2: TransformerModel;
  beforeAll(() => {
    v2 = buildTransformerModel({ model: 'roformer-v2', config: CONFIG, withMlm: true });
  });

  it('has no bias, gain or shift anywhere; its weight map lists kernels and embeddings only', () => {
    const names = v2.model.weights.map((w) => w.name);
    expect(names.filter((n) => /bias|gamma|beta/.test(n))).toEqual([]);
    expect(v2.weightMap.map((m) => m.source).filter((s) => /bias|LayerNorm/.test(s))).toEqual([]);
    expect(v2.weightMap.length).toBe(2 + 2 * 6); // word + segment, then q, k, v, o, ffn in, ffn out per layer
    expect(v2.rawConfig).toMatchObject({ model_type: 'roformer', use_bias: false, norm_type: 'rms_norm' });
  });

  it('hidden_states.0 is (E[id] + S[seg]) / sqrt(mean(x²) + eps): the norm without scale, worked by hand', () => {
    const out = runWithInternals(v2, { input_ids: IDS, attention_mask: MASK, token_type_ids: SEG });
    const h0 = out['hidden_states.0'].dataSync();
    const e = weight(v2, 'Embedding-Token', 'embeddings');
    const s = weight(v2, 'Embedding-Segment', 'embeddings');
    const H = 16;
    const want: number[] = [];
    IDS.forEach((row, b) =>
      row.forEach((id, p) => {
        const x = Array.from({ length: H }, (_, c) => e[id * H + c] + s[SEG[b][p] * H + c]);
        const rms = Math.sqrt(x.reduce((a, v) => a + v * v, 0) / H + 1e-6);
        want.push(...x.map((v) => v / rms));
      }),
    );
    expect(maxAbsDiff(h0, want)).toBeLessThan(1e-5);
    tf.dispose(Object.values(out));
  });

  it('mlm_logits = last_hidden_state · Eᵀ (tied, no transform, no bias)', () => {
    const out = runModel(v2, { input_ids: IDS, attention_mask: MASK, token_type_ids: SEG });
    const e = findWeight(v2.model, 'Embedding-Token', 'embeddings').read();
    const want = tf.matMul(out.last_hidden_state.reshape([-1, 16]), e, false, true);
    expect(maxAbsDiff(out.mlm_logits.dataSync(), want.dataSync())).toBeLessThan(1e-4);
    tf.dispose([...Object.values(out), want]);
  });

  it('refuses what V2 cannot honour, naming the option and the variant', () => {
    expect(() => buildTransformerModel({ model: 'roformer-v2', config: CONFIG, withPool: true })).toThrow(
      /roformer-v2: option 'withPool' is not supported/,
    );
    expect(() => buildTransformerModel({ model: 'roformer-v2', config: CONFIG, layerNormCond: { size: 4 } })).toThrow(
      /roformer-v2: option 'layerNormCond' is not supported/,
    );
  });
});

describe('rotary attention inside the model', () => {
  it('scores depend on j − i only: log p[i][j] − log p[i][i] is constant along each diagonal', () => {
    const built = buildTransformerModel({ config: CONFIG });
    // One token repeated, one segment: the hidden states entering layer 0 are equal at every position.
    const ids = [Array<number>(8).fill(7)];
    const out = runWithInternals(built, { input_ids: ids });
    const p = out['attentions.0'].arraySync() as number[][][][];
    const L = 8;
    for (const head of p[0]) {
      for (let d = -3; d <= 3; d++) {
        const diffs: number[] = [];
        for (let i = 0; i < L; i++) {
          const j = i + d;
          if (j >= 0 && j < L) diffs.push(Math.log(head[i][j]) - Math.log(head[i][i]));
        }
        diffs.forEach((x) => expect(Math.abs(x - diffs[0])).toBeLessThan(1e-4));
      }
    }
    // ... and they do depend on the offset (positions are not ignored).
    expect(Math.abs(p[0][0][4][5] - p[0][0][4][7])).toBeGreaterThan(1e-6);
    tf.dispose(Object.values(out));
  });

  it('rotary_value: true leaves the attention probabilities alone and changes the context', () => {
    const a = buildTransformerModel({ config: CONFIG });
    const b = buildTransformerModel({ config: { ...CONFIG, rotary_value: true } });
    b.model.setWeights(a.model.getWeights());
    const inputs = { input_ids: IDS, attention_mask: MASK, token_type_ids: SEG };
    const oa = runWithInternals(a, inputs);
    const ob = runWithInternals(b, inputs);
    expect(maxAbsDiff(oa['attentions.0'].dataSync(), ob['attentions.0'].dataSync())).toBeLessThan(1e-6);
    expect(maxAbsDiff(oa['hidden_states.1'].dataSync(), ob['hidden_states.1'].dataSync())).toBeGreaterThan(1e-3);
    expect(b.rawConfig.rotary_value).toBe(true);
    tf.dispose([...Object.values(oa), ...Object.values(ob)]);
  });

  it('refuses another attention kind, naming it and the family', () => {
    expect(() => buildTransformerModel({ config: CONFIG, attention: { type: 'performer' } })).toThrow(
      /roformer: option 'attention: performer' is not supported/,
    );
  });
});

describe('RoFormer-Sim', () => {
  it('pooler_output = W·h[CLS] + b (linear, not tanh) and the config says so', () => {
    const sim = buildTransformerModel({ model: 'roformer-sim', config: CONFIG, withPool: true });
    // Large weights so a tanh would show: pooled values far outside (−1, 1).
    findWeight(sim.model, 'Pooler-Dense', 'kernel').write(tf.randomNormal([16, 16], 0, 2, 'float32', 5));
    const out = runModel(sim, { input_ids: IDS, attention_mask: MASK, token_type_ids: SEG });
    const h = out.last_hidden_state.arraySync() as number[][][];
    const w = findWeight(sim.model, 'Pooler-Dense', 'kernel').read().arraySync() as number[][];
    const bias = weight(sim, 'Pooler-Dense', 'bias');
    const want = h.map((row) =>
      Array.from({ length: 16 }, (_, o) => row[0].reduce((a, x, i) => a + x * w[i][o], bias[o])),
    );
    expect(maxAbsDiff(out.pooler_output.dataSync(), want.flat())).toBeLessThan(1e-5);
    expect(want.flat().some((v) => Math.abs(v) > 1)).toBe(true); // outside tanh's range: really linear
    expect(sim.rawConfig).toMatchObject({ model_type: 'roformer', pooler_activation: 'linear' });
    expect(() => buildTransformerModel({ model: 'roformer-sim', config: CONFIG, withNsp: true })).toThrow(
      /roformer-sim: option 'withNsp' is not supported/,
    );
    tf.dispose(Object.values(out));
  });
});
