/**
 * Step-level extensions (gradient accumulation, lookahead, EMA), saved/restored state, tensor leaks,
 * and the tfjs-layers adapter.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Optimizer,
  TfjsOptimizerAdapter,
  adafactor,
  adam,
  adamW,
  adax,
  extendWithEma,
  extendWithGradientAccumulation,
  extendWithLayerAdaptation,
  extendWithLookahead,
  extendWithLrMultipliers,
  optimizerFromConfig,
  piecewiseLinear,
  toTfjsOptimizer,
} from '../src/train/optimizers/index.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// Linear regression y ≈ X·w with a mean squared loss.
const X = [
  [1, 2, 0.5],
  [0.3, -1, 2],
  [-0.5, 0.7, 1],
  [2, 0.1, -1],
];
const Y = [1, -2, 0.5, 3];
const W0 = [0.1, -0.3, 0.2];

let counter = 0;
const fresh = (init = W0) => tf.variable(tf.tensor1d(init), true, `w${counter++}`);

/** Gradient of mean((X[rows]·w − y)²) w.r.t. w, keyed by the variable's name. */
function gradsOn(w: tf.Variable, rows: number[]): Map<string, tf.Tensor> {
  const { value, grads } = tf.variableGrads(() => {
    const x = tf.tensor2d(rows.map((r) => X[r]));
    const y = tf.tensor1d(rows.map((r) => Y[r]));
    return tf.mean(tf.square(tf.sub(tf.matMul(x, w.expandDims(1)).squeeze([1]), y))) as tf.Scalar;
  }, [w]);
  value.dispose();
  return new Map(Object.entries(grads));
}

function step(opt: Optimizer, w: tf.Variable, rows: number[]): void {
  const g = gradsOn(w, rows);
  opt.applyGradients(g, new Map([[w.name, w]]));
  g.forEach((t) => t.dispose());
}

const values = (t: tf.Tensor) => Array.from(t.dataSync());
const expectClose = (a: number[], b: number[], digits = 5) => a.forEach((x, i) => expect(x).toBeCloseTo(b[i], digits));

describe('gradient accumulation', () => {
  it('k micro-batches of a mean loss equal one k-times batch; in-between calls change nothing', () => {
    const big = fresh();
    const small = fresh();
    const ref = adam({ learningRate: 0.1 });
    const acc = extendWithGradientAccumulation(adam({ learningRate: 0.1 }), 2);
    for (let s = 0; s < 3; s++) {
      step(ref, big, [0, 1, 2, 3]);
      const before = values(small);
      step(acc, small, [0, 1]);
      expect(values(small)).toEqual(before);
      expect(acc.microSteps).toBe(1);
      step(acc, small, [2, 3]);
      expectClose(values(small), values(big), 6);
    }
    expect(acc.iterations).toBe(3);
    [ref, acc, big, small].forEach((x) => x.dispose());
  });

  it('rejects a non-integer or zero k', () => {
    expect(() => extendWithGradientAccumulation(adam(), 0)).toThrow(/'steps' must be a finite integer >= 1/);
    expect(() => extendWithGradientAccumulation(adam(), 2.5)).toThrow(/integer/);
  });
});

describe('lookahead', () => {
  it('every k inner updates: φ ← φ + α(θ − φ), θ ← φ', () => {
    const w = fresh();
    const inner = fresh(); // the same Adam run without lookahead, as the fast-weight reference
    const opt = extendWithLookahead(adam({ learningRate: 0.1 }), { k: 2, alpha: 0.5 });
    const plain = adam({ learningRate: 0.1 });
    let slow = [...W0];
    for (let s = 1; s <= 4; s++) {
      // The reference fast weights start from our current weights and take the same Adam step.
      inner.assign(tf.tensor1d(values(w)));
      step(plain, inner, [0, 1, 2, 3]);
      step(opt, w, [0, 1, 2, 3]);
      const fast = values(inner);
      if (s % 2 === 0) {
        slow = slow.map((p, i) => p + 0.5 * (fast[i] - p));
        expectClose(values(w), slow);
      } else {
        expectClose(values(w), fast);
      }
    }
    [opt, plain, w, inner].forEach((x) => x.dispose());
  });

  it('rejects unknown options', () => {
    expect(() => extendWithLookahead(adam(), { K: 3 } as never)).toThrow(
      /unknown option 'K'; valid options are: k, alpha/,
    );
  });
});

describe('exponential moving average', () => {
  it('tracks a ← d·a + (1 − d)·w; apply() swaps it in, restore() brings back the exact weights', () => {
    const w = fresh();
    const d = 0.9;
    const ema = extendWithEma(adam({ learningRate: 0.1 }), { decay: d });
    let avg = [...W0];
    for (let s = 0; s < 3; s++) {
      step(ema, w, [0, 1, 2, 3]);
      const now = values(w);
      avg = avg.map((a, i) => d * a + (1 - d) * now[i]);
    }
    const raw = w.dataSync().slice();
    ema.apply();
    expectClose(values(w), avg, 6);
    expect(() => ema.applyGradients(gradsOn(w, [0]), { [w.name]: w })).toThrow(/call restore\(\)/);
    ema.restore();
    expect(w.dataSync()).toEqual(raw); // bit-for-bit
    expect(() => ema.restore()).toThrow(/call apply\(\) first/);
    [ema, w].forEach((x) => x.dispose());
  });

  it('rejects unknown options', () => {
    expect(() => extendWithEma(adam(), { momentum: 0.9 } as never)).toThrow(
      /unknown option 'momentum'; valid options are: decay/,
    );
  });
});

describe('state', () => {
  it('getState/setState resume a chain exactly, even mid-accumulation', () => {
    const build = () =>
      extendWithEma(extendWithGradientAccumulation(extendWithLayerAdaptation(adamW({ learningRate: 0.05 })), 2), {
        decay: 0.5,
      });
    const a = build();
    const wa = fresh();
    step(a, wa, [0, 1]);
    step(a, wa, [2, 3]);
    step(a, wa, [1, 2]); // one micro-batch pending
    const state = a.getState();
    expect([...state.keys()]).toContain('accumulation/microSteps');
    const b = build();
    b.setState(state);
    state.forEach((t) => t.dispose());
    const wb = fresh(values(wa));
    // b's slots are keyed by variable name: give the copy the same name through the maps.
    const stepBoth = (rows: number[]) => {
      const g = gradsOn(wa, rows);
      a.applyGradients(g, { [wa.name]: wa });
      b.applyGradients(g, { [wa.name]: wb });
      g.forEach((t) => t.dispose());
    };
    stepBoth([0, 3]);
    stepBoth([1, 3]);
    expect(values(wb)).toEqual(values(wa));
    expect(b.iterations).toBe(a.iterations);
    [a, b, wa, wb].forEach((x) => x.dispose());
  });

  it('refuses a state saved from a different optimizer', () => {
    const a = adam();
    const w = fresh();
    step(a, w, [0]);
    const state = a.getState();
    expect(() => adax().setState(state)).toThrow(/unknown state key 'adam\//);
    state.forEach((t) => t.dispose());
    [a, w].forEach((x) => x.dispose());
  });

  it('configs rebuild equivalent chains', () => {
    const opt = extendWithLookahead(
      extendWithLrMultipliers(extendWithLayerAdaptation(adamW({ schedule: piecewiseLinear({ 0: 0, 10: 1 }) })), {
        layer_norm: 0.5,
      }),
      { k: 3 },
    );
    const config = opt.getConfig();
    const rebuilt = optimizerFromConfig(JSON.parse(JSON.stringify(config)));
    expect(rebuilt.getConfig()).toEqual(config);
    expect(optimizerFromConfig(adafactor().getConfig()).getConfig()).toEqual(adafactor().getConfig());
  });
});

describe('no per-step tensor leak', () => {
  const chains: [string, () => Optimizer][] = [
    ['adam', () => adam()],
    ['lamb', () => extendWithLayerAdaptation(adamW())],
    ['adafactor', () => adafactor({ beta1: 0.9, minDimSizeToFactor: 1 })],
    ['adax', () => adax()],
    [
      'accumulation+lookahead+ema',
      () => extendWithEma(extendWithLookahead(extendWithGradientAccumulation(adam(), 2), { k: 2 })),
    ],
  ];
  for (const [name, make] of chains) {
    it(`${name}: numTensors stable over steps, zero after dispose`, () => {
      const start = tf.memory().numTensors;
      const opt = make();
      const init = tf.randomNormal([3, 4], 0, 1, 'float32', 1);
      const w = tf.variable(init, true, `leak_${name}`);
      init.dispose();
      const vars = { [w.name]: w };
      const doStep = () => tf.tidy(() => opt.applyGradients({ [w.name]: w.mul(0.5) }, vars));
      doStep();
      doStep(); // every slot now exists
      const settled = tf.memory().numTensors;
      for (let i = 0; i < 4; i++) doStep();
      expect(tf.memory().numTensors).toBe(settled);
      opt.dispose();
      w.dispose();
      expect(tf.memory().numTensors).toBe(start);
    });
  }
});

describe('tfjs-layers adapter', () => {
  const model = (seedWeights: tf.Tensor[]) => {
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [3] })] });
    m.setWeights(seedWeights);
    return m;
  };

  it('model.fit with toTfjsOptimizer(adam) equals stepping our optimizer by hand', async () => {
    const init = [tf.tensor2d([[0.1], [-0.3], [0.2]]), tf.tensor1d([0.05])];
    const x = tf.tensor2d(X);
    const y = tf.tensor2d(Y.map((v) => [v]));
    const fitted = model(init);
    fitted.compile({ optimizer: toTfjsOptimizer(adam({ learningRate: 0.1 })), loss: 'meanSquaredError' });
    await fitted.fit(x, y, { epochs: 3, batchSize: 4, shuffle: false, verbose: 0 });

    const manual = model(init);
    const opt = adam({ learningRate: 0.1 });
    const [kernel, bias] = manual.trainableWeights.map((v) => v.read() as tf.Variable);
    for (let s = 0; s < 3; s++) {
      const { value, grads } = tf.variableGrads(
        () => tf.losses.meanSquaredError(y, manual.predict(x) as tf.Tensor) as tf.Scalar,
        [kernel, bias],
      );
      opt.applyGradients(grads, { [kernel.name]: kernel, [bias.name]: bias });
      value.dispose();
      Object.values(grads).forEach((g) => g.dispose());
    }
    const got = fitted.getWeights().map(values);
    const want = manual.getWeights().map(values);
    got.forEach((g, i) => expectClose(g, want[i], 5));
    expect(got[0]).not.toEqual(values(init[0]));
    expect((fitted.optimizer as TfjsOptimizerAdapter).iterations).toBe(3);
  });

  it('registered for serialization: config round trip keeps patterns with underscores, weights round trip state', async () => {
    const adapter = toTfjsOptimizer(
      extendWithLrMultipliers(adamW({ excludeFromWeightDecay: ['layer_norm'] }), { word_embeddings: 0.1 }),
    );
    const copy = TfjsOptimizerAdapter.fromConfig(TfjsOptimizerAdapter, adapter.getConfig()) as TfjsOptimizerAdapter;
    expect(copy.optimizer.getConfig()).toEqual(adapter.optimizer.getConfig());
    expect(tf.serialization.SerializationMap.getMap().classNameMap.Bert4tfjsOptimizer).toBeDefined();

    const w = tf.variable(tf.ones([2]), true, 'adapter_w');
    adapter.applyGradients({ adapter_w: tf.ones([2]) });
    const weights = await adapter.getWeights();
    await copy.setWeights(weights);
    expect(copy.iterations).toBe(1);
    const after = (o: TfjsOptimizerAdapter) => {
      w.assign(tf.ones([2]));
      o.applyGradients([{ name: 'adapter_w', tensor: tf.fill([2], 0.5) }]);
      return values(w);
    };
    expect(after(copy)).toEqual(after(adapter));
    adapter.dispose();
    copy.dispose();
    w.dispose();
  });
});
