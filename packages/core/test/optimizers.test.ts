/**
 * Base optimizers, per-variable extensions and schedules against their formulas, step by step.
 * Problem: L = ½‖w − c‖² per variable, so g = w − c; the JS reference keeps its own weights.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Bert4tfjsError } from '../src/errors.ts';
import {
  type Optimizer,
  adafactor,
  adam,
  adamW,
  adax,
  extendWithLayerAdaptation,
  extendWithLrMultipliers,
  extendWithWeightDecay,
  piecewiseLinear,
  warmupCosineDecay,
  warmupLinearDecay,
} from '../src/train/optimizers/index.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

type Problem = Record<string, { init: number[]; shape: number[]; target: number[] }>;
const PROBLEM: Problem = {
  'dense/kernel': { init: [0.5, -1, 2, 0.3, 1.5, -0.7], shape: [2, 3], target: [1, 0, -1, 0.5, 0.5, 0] },
  'dense/bias': { init: [0.1, -0.2, 0.3], shape: [3], target: [0, 1, 0] },
};

/** Per-variable JS update: (state, w, g, t) -> new w. */
type RefStep = (name: string, w: number[], g: number[], t: number) => number[];

/** Runs `steps` steps on tf and on the JS reference, checking every weight after every step. */
function compare(opt: Optimizer, ref: RefStep, steps = 3, digits = 5): void {
  const vars = new Map(Object.entries(PROBLEM).map(([n, p]) => [n, tf.variable(tf.tensor(p.init, p.shape), true)]));
  const js = new Map(Object.entries(PROBLEM).map(([n, p]) => [n, [...p.init]]));
  for (let t = 1; t <= steps; t++) {
    const grads = new Map(
      [...vars].map(([n, v]) => [n, tf.tidy(() => v.sub(tf.tensor(PROBLEM[n].target, PROBLEM[n].shape)))]),
    );
    opt.applyGradients(grads, vars);
    grads.forEach((g) => g.dispose());
    for (const [n, w] of js) {
      const g = w.map((x, i) => x - PROBLEM[n].target[i]);
      js.set(n, ref(n, w, g, t));
      const got = Array.from(vars.get(n)!.dataSync());
      js.get(n)!.forEach((x, i) => expect(got[i], `${n}[${i}] at step ${t}`).toBeCloseTo(x, digits));
    }
  }
  expect(opt.iterations).toBe(steps);
  opt.dispose();
  vars.forEach((v) => v.dispose());
}

/** JS Adam direction m̂/(√v̂ + ε), keeping moments per variable. */
function adamDirection(b1: number, b2: number, eps: number) {
  const m = new Map<string, number[]>();
  const v = new Map<string, number[]>();
  return (name: string, g: number[], t: number): number[] => {
    const mm = (m.get(name) ?? g.map(() => 0)).map((x, i) => b1 * x + (1 - b1) * g[i]);
    const vv = (v.get(name) ?? g.map(() => 0)).map((x, i) => b2 * x + (1 - b2) * g[i] ** 2);
    m.set(name, mm);
    v.set(name, vv);
    return mm.map((x, i) => x / (1 - b1 ** t) / (Math.sqrt(vv[i] / (1 - b2 ** t)) + eps));
  };
}
const norm = (x: number[]) => Math.sqrt(x.reduce((s, a) => s + a * a, 0));
const rms = (x: number[]) => Math.sqrt(x.reduce((s, a) => s + a * a, 0) / x.length);

describe('base optimizers', () => {
  it('adam: bias-corrected moments', () => {
    const dir = adamDirection(0.9, 0.99, 1e-6);
    compare(adam({ learningRate: 0.1, beta2: 0.99 }), (n, w, g, t) => {
      const u = dir(n, g, t);
      return w.map((x, i) => x - 0.1 * u[i]);
    });
  });

  it('adamW: decoupled decay −lr·λ·w, biases excluded by default', () => {
    const dir = adamDirection(0.9, 0.999, 1e-6);
    compare(adamW({ learningRate: 0.05, weightDecay: 0.1 }), (n, w, g, t) => {
      const u = dir(n, g, t);
      const decay = n.includes('bias') ? 0 : 0.1;
      return w.map((x, i) => x - 0.05 * (u[i] + decay * x));
    });
  });

  it('adax: v grows by (1 + β2), step lr·√((1 + β2)^t − 1)·m / (√v + ε)', () => {
    const [b1, b2, eps, lr] = [0.9, 1e-4, 1e-6, 0.01];
    const m = new Map<string, number[]>();
    const v = new Map<string, number[]>();
    compare(adax({ learningRate: lr }), (n, w, g, t) => {
      const mm = (m.get(n) ?? g.map(() => 0)).map((x, i) => b1 * x + (1 - b1) * g[i]);
      const vv = (v.get(n) ?? g.map(() => 0)).map((x, i) => (1 + b2) * x + b2 * g[i] ** 2);
      m.set(n, mm);
      v.set(n, vv);
      return w.map((x, i) => x - (lr * Math.sqrt((1 + b2) ** t - 1) * mm[i]) / (Math.sqrt(vv[i]) + eps));
    });
  });

  it('adax: two steps against values worked by hand, with an ε large enough to tell placements apart', () => {
    // w0 = 1, g = 1 then −0.5, lr 0.1, β1 0.9, β2 1e-4, ε 0.1. By hand (float64):
    // t=1: m = 0.1, v = 1e-4, c = 1e-4: Δ = 0.1·0.01·0.1 / (0.01 + 0.1) = 9.0909e-4 -> w = 0.9990909091
    // t=2: m = 0.04, v = 1.2501e-4, c = 2.0001e-4: -> w = 0.9985820985
    // (ε on √v̂ would give 0.9909 after step 1, ε inside the root 0.9905.)
    const w = tf.variable(tf.scalar(1));
    const opt = adax({ learningRate: 0.1, beta1: 0.9, beta2: 1e-4, epsilon: 0.1 });
    const seen: number[] = [];
    for (const g of [1, -0.5]) {
      const grad = tf.scalar(g);
      opt.applyGradients(new Map([['w', grad]]), new Map([['w', w]]));
      grad.dispose();
      seen.push(w.dataSync()[0]);
    }
    expect(seen[0]).toBeCloseTo(0.9990909091, 6);
    expect(seen[1]).toBeCloseTo(0.9985820985, 6);
    opt.dispose();
    w.dispose();
  });

  it('adafactor: factored matrix, unfactored vector, β2 = 1 − t^−0.8, clipping, momentum, parameter scale', () => {
    const [b1, eps1, eps2, d, lr] = [0.5, 1e-30, 1e-3, 1, 0.3];
    const state = new Map<string, { r?: number[]; c?: number[]; v?: number[]; m?: number[] }>();
    compare(adafactor({ learningRate: lr, beta1: b1, minDimSizeToFactor: 2 }), (n, w, g, t) => {
      const beta2 = 1 - t ** -0.8;
      const s = state.get(n) ?? {};
      const G = g.map((x) => x * x + eps1);
      let vHat: number[];
      if (n === 'dense/kernel') {
        // 2 x 3 matrix: row means and column means.
        const rowMean = [0, 1].map((r) => (G[r * 3] + G[r * 3 + 1] + G[r * 3 + 2]) / 3);
        const colMean = [0, 1, 2].map((c) => (G[c] + G[3 + c]) / 2);
        s.r = (s.r ?? [0, 0]).map((x, i) => beta2 * x + (1 - beta2) * rowMean[i]);
        s.c = (s.c ?? [0, 0, 0]).map((x, i) => beta2 * x + (1 - beta2) * colMean[i]);
        const rAvg = (s.r[0] + s.r[1]) / 2;
        vHat = G.map((_, i) => (s.r![Math.floor(i / 3)] * s.c![i % 3]) / rAvg);
      } else {
        s.v = (s.v ?? G.map(() => 0)).map((x, i) => beta2 * x + (1 - beta2) * G[i]);
        vHat = s.v;
      }
      let u = g.map((x, i) => x / Math.sqrt(vHat[i]));
      const clip = Math.max(1, rms(u) / d);
      u = u.map((x) => x / clip);
      s.m = (s.m ?? u.map(() => 0)).map((x, i) => b1 * x + (1 - b1) * u[i]);
      state.set(n, s);
      const scale = Math.max(eps2, rms(w));
      return w.map((x, i) => x - lr * scale * s.m![i]);
    });
  });

  it('adafactor relative step: min(0.01, 1/√t), × 0.05 without parameter scale, × schedule', () => {
    const rel = adafactor();
    expect(rel.learningRateAt(1)).toBeCloseTo(0.01, 12);
    expect(rel.learningRateAt(40000)).toBeCloseTo(1 / 200, 12);
    expect(adafactor({ multiplyByParameterScale: false }).learningRateAt(40000)).toBeCloseTo(0.05 / 200, 12);
    const sched = adafactor({ schedule: piecewiseLinear({ 0: 0, 10: 1 }) });
    expect(sched.learningRateAt(6)).toBeCloseTo(0.5 * 0.01, 12);
    expect(rel.getConfig().learningRate).toBeNull();
  });

  it('adafactor with a fixed rate and no parameter scale; a 2x3 matrix stays unfactored by default (128)', () => {
    const opt = adafactor({ learningRate: 0.1, multiplyByParameterScale: false, clippingThreshold: null, beta2: 0.5 });
    expect(opt.isFactored([2, 3])).toBe(false);
    const v = new Map<string, number[]>();
    compare(opt, (n, w, g) => {
      const vv = (v.get(n) ?? g.map(() => 0)).map((x, i) => 0.5 * x + 0.5 * (g[i] ** 2 + 1e-30));
      v.set(n, vv);
      return w.map((x, i) => x - (0.1 * g[i]) / Math.sqrt(vv[i]));
    });
  });
});

describe('per-variable extensions', () => {
  it('LAMB = layer adaptation over AdamW: step scaled by ‖w‖ / ‖u‖', () => {
    const dir = adamDirection(0.9, 0.999, 1e-6);
    const lr = 0.01;
    compare(extendWithLayerAdaptation(adamW({ learningRate: lr, weightDecay: 0.01 })), (n, w, g, t) => {
      const decay = n.includes('bias') ? 0 : 0.01;
      const u = dir(n, g, t).map((x, i) => x + decay * w[i]);
      const ratio = norm(w) / norm(u);
      return w.map((x, i) => x - lr * ratio * u[i]);
    });
  });

  it('lr multipliers: matching patterns multiply the step of that variable only', () => {
    const dir = adamDirection(0.9, 0.999, 1e-6);
    const opt = extendWithLrMultipliers(adam({ learningRate: 0.1 }), { kernel: 0.5, 'dense/': 0.2 });
    expect(opt.multiplierFor('dense/kernel')).toBeCloseTo(0.1, 12);
    compare(opt, (n, w, g, t) => {
      const u = dir(n, g, t);
      const m = n === 'dense/kernel' ? 0.1 : 0.2;
      return w.map((x, i) => x - 0.1 * m * u[i]);
    });
  });

  it('weight decay on any optimizer with a custom exclusion list', () => {
    const dir = adamDirection(0.9, 0.999, 1e-6);
    compare(extendWithWeightDecay(adam({ learningRate: 0.1 }), { rate: 0.5, exclude: [/kernel$/] }), (n, w, g, t) => {
      const u = dir(n, g, t);
      const decay = n === 'dense/kernel' ? 0 : 0.5;
      return w.map((x, i) => x - 0.1 * (u[i] + decay * x));
    });
  });

  it('refuses layer adaptation around lr multipliers (the ratio would cancel them)', () => {
    expect(() => extendWithLayerAdaptation(extendWithLrMultipliers(adam(), { a: 2 }))).toThrow(
      /extendWithLrMultipliers after/,
    );
  });
});

describe('schedules', () => {
  it('piecewiseLinear interpolates, then stays at the last value', () => {
    const f = piecewiseLinear({ 0: 0, 1000: 1, 10000: 0.1 });
    expect(f(0)).toBe(0);
    expect(f(250)).toBeCloseTo(0.25, 12);
    expect(f(1000)).toBe(1);
    expect(f(5500)).toBeCloseTo(1 + (0.1 - 1) * (4500 / 9000), 12);
    expect(f(20000)).toBeCloseTo(0.1, 12);
    // bert4keras: a first step above 0 ramps from (0, 0).
    expect(piecewiseLinear({ 100: 2 })(50)).toBeCloseTo(1, 12);
  });

  it('warm-up helpers', () => {
    const lin = warmupLinearDecay({ warmupSteps: 10, totalSteps: 110, end: 0.1 });
    expect(lin(5)).toBeCloseTo(0.5, 12);
    expect(lin(60)).toBeCloseTo(1 + (0.1 - 1) * 0.5, 12);
    expect(lin(500)).toBeCloseTo(0.1, 12);
    const cos = warmupCosineDecay({ warmupSteps: 10, totalSteps: 110 });
    expect(cos(5)).toBeCloseTo(0.5, 12);
    expect(cos(35)).toBeCloseTo(0.5 * (1 + Math.cos(Math.PI * 0.25)), 12);
    expect(cos(110)).toBe(0);
  });

  it('rejects unsorted, non-numeric, negative and empty steps with a clear error', () => {
    expect(() =>
      piecewiseLinear([
        [1000, 1],
        [0, 0],
      ]),
    ).toThrow(/increase strictly, but 0 comes after 1000/);
    expect(() => piecewiseLinear({ warmup: 1 })).toThrow(/not a finite number \('warmup'\)/);
    expect(() => piecewiseLinear({ '-5': 1 })).toThrow(/-5 is negative/);
    expect(() => piecewiseLinear({})).toThrow(/at least one/);
    expect(() => piecewiseLinear({ 0: Number.NaN })).toThrow(Bert4tfjsError);
    expect(() => warmupLinearDecay({ warmupSteps: 10, totalSteps: 5 })).toThrow(/totalSteps/);
  });

  it('an optimizer applies lr·schedule(t) with t = updates already applied', () => {
    const dir = adamDirection(0.9, 0.999, 1e-6);
    const sched = piecewiseLinear({ 0: 0, 2: 1 });
    compare(adam({ learningRate: 0.1, schedule: sched }), (n, w, g, t) => {
      const u = dir(n, g, t);
      return w.map((x, i) => x - 0.1 * sched(t - 1) * u[i]);
    });
  });
});

describe('option checks', () => {
  it('unknown option names are named, with the valid ones listed', () => {
    expect(() => adam({ lr: 0.1 } as never)).toThrow(
      /adam: unknown option 'lr'; valid options are: learningRate, schedule, beta1/,
    );
    expect(() => adamW({ weight_decay: 0.1 } as never)).toThrow(/unknown option 'weight_decay'.*weightDecay/);
    expect(() => adafactor({ beta3: 1 } as never)).toThrow(/unknown option 'beta3'.*minDimSizeToFactor/);
    expect(() => adax({ eps: 1 } as never)).toThrow(/unknown option 'eps'/);
    expect(() => extendWithLayerAdaptation(adam(), { exclude_from: [] } as never)).toThrow(
      /unknown option 'exclude_from'/,
    );
    expect(() => extendWithWeightDecay(adam(), { decay: 1 } as never)).toThrow(/unknown option 'decay'.*rate, exclude/);
  });

  it('bad values are refused at construction', () => {
    expect(() => adam({ beta1: 1 })).toThrow(/'beta1' must be/);
    expect(() => adam({ learningRate: -1 })).toThrow(/'learningRate'/);
    expect(() => adam({ schedule: 3 as never })).toThrow(/'schedule' must be a function/);
    expect(() => extendWithWeightDecay(adam(), { exclude: ['('] })).toThrow(/not a valid regular expression/);
    expect(() => extendWithLrMultipliers(adam(), { emb: -1 })).toThrow(/multiplier for 'emb'/);
  });

  it('a gradient without a variable, or of the wrong shape, changes nothing', () => {
    const opt = adam();
    const w = tf.variable(tf.ones([2]));
    expect(() => opt.applyGradients({ x: tf.ones([2]) }, { w })).toThrow(/gradient 'x' has no variable/);
    expect(() => opt.applyGradients({ w: tf.ones([3]) }, { w })).toThrow(/shape \[3\].*\[2\]/);
    expect(opt.iterations).toBe(0);
    expect(Array.from(w.dataSync())).toEqual([1, 1]);
    opt.dispose();
    w.dispose();
  });
});
