// Conditional layer norm: the formula by hand (with and without the hidden projection), zero-init equals
// a plain LayerNormalization, and the gradient that lets training move the conditional projections.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { LayerNormalization } from '../src/layers/layer-norm.ts';
import { ConditionalLayerNormalization } from '../src/layers/task/index.ts';
import { prng } from '../../../test/helpers/random.ts';

const B = 2,
  L = 3,
  D = 4,
  C = 5,
  EPS = 1e-6;

const uniform = prng(3);
const rnd = (): number => uniform() * 2 - 1;
const mat = (r: number, c: number) => Array.from({ length: r }, () => Array.from({ length: c }, rnd));
const X = Array.from({ length: B }, () => mat(L, D));
const COND = mat(B, C);
const GAMMA = Array.from({ length: D }, rnd);
const BETA = Array.from({ length: D }, rnd);

const project = (c: number[], w: number[][]) => w[0].map((_, j) => c.reduce((a, ci, i) => a + ci * w[i][j], 0));
/** x̂ = (x − μ)/√(σ² + ε) for one token vector. */
function normalize(v: number[]): number[] {
  const mu = v.reduce((a, b) => a + b, 0) / v.length;
  const variance = v.reduce((a, b) => a + (b - mu) ** 2, 0) / v.length;
  return v.map((x) => (x - mu) / Math.sqrt(variance + EPS));
}

function run(layer: tf.layers.Layer, weights: number[][][] | null): number[][][] {
  return tf.tidy(() => {
    const inputs = [tf.tensor3d(X), tf.tensor2d(COND)];
    layer.apply(inputs);
    if (weights)
      layer.setWeights(
        weights.map((w) => (Array.isArray(w[0]) ? tf.tensor2d(w) : tf.tensor1d(w as unknown as number[]))),
      );
    return (layer.apply(inputs) as tf.Tensor).arraySync() as number[][][];
  });
}

function worstDiff(got: number[][][], want: (b: number, l: number) => number[]): number {
  let worst = 0;
  for (let b = 0; b < B; b++)
    for (let l = 0; l < L; l++)
      want(b, l).forEach((w, j) => {
        worst = Math.max(worst, Math.abs(got[b][l][j] - w));
      });
  return worst;
}

describe('ConditionalLayerNormalization', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('y = x̂ ⊙ (γ + c Wγ) + (β + c Wβ)', () => {
    const Wg = mat(C, D);
    const Wb = mat(C, D);
    const layer = new ConditionalLayerNormalization({ epsilon: EPS });
    const got = run(layer, [GAMMA as never, Wg, BETA as never, Wb]);
    const diff = worstDiff(got, (b, l) => {
      const g = project(COND[b], Wg).map((v, j) => v + GAMMA[j]);
      const be = project(COND[b], Wb).map((v, j) => v + BETA[j]);
      return normalize(X[b][l]).map((v, j) => v * g[j] + be[j]);
    });
    expect(diff).toBeLessThan(1e-5);
    layer.dispose();
  });

  it('with hiddenUnits the condition goes through act(c Wh) first', () => {
    const H = 3;
    const Wh = mat(C, H);
    const Wg = mat(H, D);
    const Wb = mat(H, D);
    const layer = new ConditionalLayerNormalization({ epsilon: EPS, hiddenUnits: H, hiddenActivation: 'tanh' });
    const got = run(layer, [Wh, GAMMA as never, Wg, BETA as never, Wb]);
    const diff = worstDiff(got, (b, l) => {
      const h = project(COND[b], Wh).map(Math.tanh);
      const g = project(h, Wg).map((v, j) => v + GAMMA[j]);
      const be = project(h, Wb).map((v, j) => v + BETA[j]);
      return normalize(X[b][l]).map((v, j) => v * g[j] + be[j]);
    });
    expect(diff).toBeLessThan(1e-5);
    layer.dispose();
  });

  it('freshly built (zero projections) it equals LayerNormalization with the same γ, β', () => {
    const cond = new ConditionalLayerNormalization({ epsilon: EPS });
    const init = tf.tidy(() => {
      cond.apply([tf.tensor3d(X), tf.tensor2d(COND)]);
      return cond.getWeights().map((w) => Array.from(w.dataSync()));
    });
    expect(init[1].every((v) => v === 0) && init[3].every((v) => v === 0)).toBe(true);
    const [, Wg, , Wb] = cond.getWeights();
    const withGamma = run(cond, [
      GAMMA as never,
      Wg.arraySync() as number[][],
      BETA as never,
      Wb.arraySync() as number[][],
    ]);
    const plain = new LayerNormalization({ epsilon: EPS });
    const want = tf.tidy(() => {
      plain.apply(tf.tensor3d(X));
      plain.setWeights([tf.tensor1d(GAMMA), tf.tensor1d(BETA)]);
      return (plain.apply(tf.tensor3d(X)) as tf.Tensor).arraySync() as number[][][];
    });
    expect(worstDiff(withGamma, (b, l) => want[b][l])).toBe(0);
    cond.dispose();
    plain.dispose();
  });

  it('d Σ(y ⊙ r)/d Wγ[i, j] = Σ_{b,l} c[b,i] · x̂[b,l,j] · r[b,l,j] (training can move it from zero)', () => {
    const layer = new ConditionalLayerNormalization({ epsilon: EPS });
    const R = Array.from({ length: B }, () => mat(L, D));
    const before = tf.memory().numTensors;
    const x = tf.tensor3d(X);
    const c = tf.tensor2d(COND);
    const r = tf.tensor3d(R);
    tf.dispose(layer.apply([x, c]) as tf.Tensor);
    const { grads, value } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply([x, c]) as tf.Tensor, r)) as tf.Scalar);
    const gammaDense = layer.weights.find((w) => w.originalName.endsWith('/gamma_dense'))!;
    const g = grads[(gammaDense.read() as tf.Variable).name].arraySync() as number[][];
    let worst = 0;
    for (let i = 0; i < C; i++)
      for (let j = 0; j < D; j++) {
        let want = 0;
        for (let b = 0; b < B; b++) for (let l = 0; l < L; l++) want += COND[b][i] * normalize(X[b][l])[j] * R[b][l][j];
        worst = Math.max(worst, Math.abs(g[i][j] - want));
      }
    expect(worst).toBeLessThan(1e-4);
    tf.dispose([x, c, r, value, ...Object.values(grads)]);
    layer.dispose();
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before);
  });
});
