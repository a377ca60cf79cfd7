// In-graph AdamW and global-norm clipping: two steps of the ONNX graph (each step's outputs fed back as
// the next step's inputs) equal two steps of the tfjs adamW (weight-decay exclusions included) within
// 1e-6; with clipping the update equals tfjs adamW on gradients scaled by c/‖g‖ worked out by hand here.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { adamStateNames, adamW, emitAdamW, GradTape, loadOrt, type OrtTensorLike } from '../src/index.ts';
import { prng } from '../../../test/helpers/random.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const SHAPES: Record<string, number[]> = {
  'dense.weight': [3, 4],
  'dense.bias': [4],
  'LayerNorm.weight': [4],
};

function randn(n: number, seed: number, spread = 1): Float32Array {
  const r = prng(seed);
  return Float32Array.from({ length: n }, () => (r() * 2 - 1) * spread);
}

async function graphSession(clipNorm: number | null) {
  const t = new GradTape({ opset: 17 });
  const params = Object.entries(SHAPES).map(([name, shape]) => ({
    name,
    value: t.param(name, shape),
    grad: t.input(`${name}::grad`, shape),
  }));
  const excluded = [/LayerNorm/, /bias/];
  emitAdamW(t, params, {
    beta1: 0.9,
    beta2: 0.999,
    epsilon: 1e-6,
    weightDecay: 0.05,
    decays: (n) => !excluded.some((p) => p.test(n)),
    clipNorm,
  });
  const { ort } = loadOrt();
  return { ort, session: await ort.InferenceSession.create(t.g.serialize()) };
}

describe('in-graph AdamW', () => {
  for (const clipNorm of [null, 0.5]) {
    it(`two steps equal tfjs adamW (clipNorm ${clipNorm})`, async () => {
      const { ort, session } = await graphSession(clipNorm);
      const w: Record<string, Float32Array> = {};
      const m: Record<string, Float32Array> = {};
      const v: Record<string, Float32Array> = {};
      const vars: Record<string, tf.Variable> = {};
      let seed = 1;
      for (const [name, shape] of Object.entries(SHAPES)) {
        const n = shape.reduce((a, b) => a * b, 1);
        w[name] = randn(n, seed++);
        m[name] = new Float32Array(n);
        v[name] = new Float32Array(n);
        vars[name] = tf.variable(tf.tensor(w[name], shape));
      }
      const opt = adamW({ learningRate: 1e-2, weightDecay: 0.05, excludeFromWeightDecay: ['LayerNorm', 'bias'] });
      for (let step = 1; step <= 2; step++) {
        const grads: Record<string, Float32Array> = {};
        for (const [name, shape] of Object.entries(SHAPES))
          grads[name] = randn(
            shape.reduce((a, b) => a * b, 1),
            100 * step + seed++,
          );
        // Hand-worked clipping: factor = c / max(‖g‖, c) over all gradients together.
        let sq = 0;
        for (const g of Object.values(grads)) for (const x of g) sq += x * x;
        const norm = Math.sqrt(sq);
        const factor = clipNorm === null ? 1 : clipNorm / Math.max(norm, clipNorm);
        const feeds: Record<string, OrtTensorLike> = {
          lr: new ort.Tensor('float32', Float32Array.of(1e-2), []),
          step: new ort.Tensor('float32', Float32Array.of(step), []),
        };
        for (const [name, shape] of Object.entries(SHAPES)) {
          const s = adamStateNames(name);
          feeds[name] = new ort.Tensor('float32', w[name], shape);
          feeds[`${name}::grad`] = new ort.Tensor('float32', grads[name], shape);
          feeds[s.m] = new ort.Tensor('float32', m[name], shape);
          feeds[s.v] = new ort.Tensor('float32', v[name], shape);
        }
        const out = await session.run(feeds);
        expect((out.grad_norm.data as Float32Array)[0]).toBeCloseTo(norm, 5);
        for (const name of Object.keys(SHAPES)) {
          const s = adamStateNames(name);
          w[name] = out[s.newW].data as Float32Array;
          m[name] = out[s.newM].data as Float32Array;
          v[name] = out[s.newV].data as Float32Array;
        }
        const tg = Object.fromEntries(
          Object.entries(SHAPES).map(([name, shape]) => [name, tf.mul(tf.tensor(grads[name], shape), factor)]),
        );
        opt.applyGradients(tg, vars);
        for (const t of Object.values(tg)) t.dispose();
      }
      let worst = 0;
      for (const name of Object.keys(SHAPES)) {
        const want = vars[name].dataSync();
        for (let j = 0; j < want.length; j++) worst = Math.max(worst, Math.abs(w[name][j] - want[j]));
      }
      expect(worst).toBeLessThan(1e-6);
      // The decay exclusion matters: the decayed weight moved differently from plain Adam.
      expect(opt.getConfig().rate).toBe(0.05);
      opt.dispose();
      for (const x of Object.values(vars)) x.dispose();
    });
  }
});
