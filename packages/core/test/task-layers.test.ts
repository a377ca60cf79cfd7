// Multi-sample dropout (identity head at inference; an average of N dropout samples in training), the
// masked pooling layer by hand, and a save/load round trip of a model holding every task layer.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Dense } from '../src/layers/dense.ts';
import {
  ConditionalLayerNormalization,
  ConditionalRandomField,
  EfficientGlobalPointer,
  GlobalPointer,
  MaskedPooling,
  MultiSampleDropout,
} from '../src/layers/task/index.ts';
import { prng } from '../../../test/helpers/random.ts';

const uniform = prng(5);
const rnd = (): number => uniform() * 2 - 1;
const mat = (r: number, c: number) => Array.from({ length: r }, () => Array.from({ length: c }, rnd));

describe('MultiSampleDropout', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('at inference it is the dense head act(x W + b), computed once', () => {
    const x = mat(3, 4);
    const W = mat(4, 2);
    const bias = [0.5, -0.25];
    const layer = new MultiSampleDropout({ units: 2, samples: 4, rate: 0.5, activation: 'tanh' });
    const got = tf.tidy(() => {
      layer.apply(tf.tensor2d(x));
      layer.setWeights([tf.tensor2d(W), tf.tensor1d(bias)]);
      return (layer.apply(tf.tensor2d(x), { training: false }) as tf.Tensor).arraySync() as number[][];
    });
    let worst = 0;
    x.forEach((row, i) =>
      bias.forEach((b, j) => {
        worst = Math.max(worst, Math.abs(got[i][j] - Math.tanh(row.reduce((a, v, k) => a + v * W[k][j], b))));
      }),
    );
    expect(worst).toBeLessThan(1e-6);
    layer.dispose();
  });

  it('in training it averages N dropout samples: with W = I each output is (k/N)·x/(1 − rate), k ~ Bin(N, 1 − rate)', () => {
    const N = 4,
      RATE = 0.5,
      D = 8,
      ROWS = 250;
    const x = Array.from({ length: ROWS }, () => Array.from({ length: D }, () => 1 + Math.abs(rnd())));
    const layer = new MultiSampleDropout({ units: D, samples: N, rate: RATE, useBias: false });
    const eye = Array.from({ length: D }, (_, i) => Array.from({ length: D }, (_, j) => (i === j ? 1 : 0)));
    const got = tf.tidy(() => {
      layer.apply(tf.tensor2d(x));
      layer.setWeights([tf.tensor2d(eye)]);
      return (layer.apply(tf.tensor2d(x), { training: true }) as tf.Tensor).arraySync() as number[][];
    });
    const ks = got.flatMap((row, i) => row.map((y, j) => (y * (1 - RATE) * N) / x[i][j]));
    // Every output is a whole number of kept samples out of N...
    expect(ks.every((k) => Math.abs(k - Math.round(k)) < 1e-4 && k > -1e-4 && k < N + 1e-4)).toBe(true);
    // ...some strictly between 0 and N (so it really averages several masks, not one)...
    expect(ks.some((k) => Math.round(k) > 0 && Math.round(k) < N)).toBe(true);
    // ...and the kept fraction has mean 1 − rate (2000 values: std 0.0056, bound ≈ 9 std).
    const mean = ks.reduce((a, k) => a + k, 0) / ks.length / N;
    expect(Math.abs(mean - (1 - RATE))).toBeLessThan(0.05);
    layer.dispose();
  });

  it('with a seed, samples are reproducible across layers and differ between calls', () => {
    const x = tf.ones([4, 6]);
    const make = () => new MultiSampleDropout({ units: 3, samples: 3, rate: 0.5, seed: 42, useBias: false });
    const a = make();
    const b = make();
    const [a1, b1, a2] = tf.tidy(() => {
      for (const l of [a, b]) {
        l.apply(x);
        l.setWeights([tf.ones([6, 3])]);
      }
      return [a, b, a].map((l) => Array.from((l.apply(x, { training: true }) as tf.Tensor).dataSync()));
    });
    expect(a1).toEqual(b1);
    expect(a2).not.toEqual(a1);
    tf.dispose(x);
    a.dispose();
    b.dispose();
  });
});

describe('MaskedPooling', () => {
  const H = [
    [
      [1, 2],
      [3, -4],
      [5, 6],
    ],
    [
      [-1, 0],
      [7, 8],
      [9, 10],
    ],
  ];
  const FIRST = [
    [
      [0, 0],
      [2, 2],
      [4, 4],
    ],
    [
      [1, 1],
      [3, 3],
      [100, 100],
    ],
  ];
  const MASK = [
    [1, 1, 0],
    [1, 1, 1],
  ];
  const pool = (mode: 'mean' | 'max' | 'cls' | 'first-last-avg', inputs: number[][][][] | null) =>
    tf.tidy(() => {
      const layer = new MaskedPooling({ mode });
      const list = inputs ? inputs.map((t) => tf.tensor3d(t)) : [tf.tensor3d(H)];
      const args = mode === 'cls' && !inputs ? list : [...list, tf.tensor2d(MASK)];
      return (layer.apply(args) as tf.Tensor).arraySync() as number[][];
    });

  it('mean, max, cls and first-last-avg ignore padded tokens', () => {
    expect(pool('mean', [H])).toEqual([
      [2, -1],
      [5, 6],
    ]);
    expect(pool('max', [H])).toEqual([
      [3, 2],
      [9, 10],
    ]);
    expect(pool('cls', null)).toEqual([
      [1, 2],
      [-1, 0],
    ]);
    expect(pool('cls', [H])).toEqual([
      [1, 2],
      [-1, 0],
    ]);
    // ((mean first) + (mean last)) / 2: row 0 = ([1,1] + [2,-1]) / 2; row 1 = ([104/3, 104/3] + [5, 6]) / 2.
    const fla = pool('first-last-avg', [FIRST, H]);
    expect(fla[0]).toEqual([1.5, 0]);
    expect(Math.abs(fla[1][0] - (104 / 3 + 5) / 2)).toBeLessThan(1e-5);
    expect(Math.abs(fla[1][1] - (104 / 3 + 6) / 2)).toBeLessThan(1e-5);
  });

  it('rejects the wrong number of inputs and unknown modes', () => {
    expect(() => pool('first-last-avg', [H])).toThrow(/first, last, mask/);
    expect(() => new MaskedPooling({ mode: 'sum' as never })).toThrow(/unknown pooling/);
  });
});

describe('save / load round trip', () => {
  it('a model with every task layer reloads with identical outputs', async () => {
    const L = 5,
      D = 8,
      C = 3,
      T = 4;
    const x = tf.input({ shape: [L, D], name: 'x' });
    const mask = tf.input({ shape: [L], name: 'mask' });
    const cond = tf.input({ shape: [C], name: 'cond' });
    const h = new ConditionalLayerNormalization({ name: 'cln', hiddenUnits: 2, hiddenActivation: 'relu' }).apply([
      x,
      cond,
    ]) as tf.SymbolicTensor;
    const outputs = [
      new GlobalPointer({ name: 'gp', heads: 2, headSize: 4 }).apply([h, mask]),
      new EfficientGlobalPointer({ name: 'egp', heads: 3, headSize: 4 }).apply([h, mask]),
      new ConditionalRandomField({ name: 'crf' }).apply([
        new Dense({ name: 'tags', units: T }).apply(h) as tf.SymbolicTensor,
        mask,
      ]),
      new MultiSampleDropout({ name: 'msd', units: 2, samples: 3, seed: 1 }).apply(h),
      new MaskedPooling({ name: 'pool', mode: 'mean' }).apply([h, mask]),
    ] as tf.SymbolicTensor[];
    const model = tf.model({ inputs: [x, mask, cond], outputs });
    // Random values in every weight, the zero-initialised conditional projections included.
    tf.tidy(() =>
      model.setWeights(model.getWeights().map((w, i) => tf.randomUniform(w.shape, -0.5, 0.5, 'float32', 10 + i))),
    );
    let artifacts: tf.io.ModelArtifacts | null = null;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
    expect(loaded.layers.map((l) => l.getClassName())).toEqual(
      expect.arrayContaining([
        'bert4tfjs.ConditionalLayerNormalization',
        'bert4tfjs.GlobalPointer',
        'bert4tfjs.EfficientGlobalPointer',
        'bert4tfjs.ConditionalRandomField',
        'bert4tfjs.MultiSampleDropout',
        'bert4tfjs.MaskedPooling',
      ]),
    );
    const feeds = [
      tf.randomNormal([2, L, D], 0, 1, 'float32', 1),
      tf.tensor2d([
        [1, 1, 1, 1, 1],
        [1, 1, 1, 0, 0],
      ]),
      tf.randomNormal([2, C], 0, 1, 'float32', 2),
    ];
    const a = model.predict(feeds) as tf.Tensor[];
    const b = loaded.predict(feeds) as tf.Tensor[];
    expect(b.length).toBe(outputs.length);
    a.forEach((t, i) => expect(Array.from(b[i].dataSync())).toEqual(Array.from(t.dataSync())));
    const crf = loaded.getLayer('crf') as ConditionalRandomField;
    expect(Array.from(crf.transitions.dataSync())).toEqual(
      Array.from((model.getLayer('crf') as ConditionalRandomField).transitions.dataSync()),
    );
    expect(crf.viterbiDecode(b[2]).map((p) => p.length)).toEqual([5, 3]);
    tf.dispose([feeds, a, b]);
    model.dispose();
    loaded.dispose();
  });
});
