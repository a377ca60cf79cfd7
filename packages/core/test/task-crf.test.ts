// CRF: log-partition, path score, loss, its gradients and Viterbi against brute-force enumeration of every
// tag path on a tiny case (T = 3 tags, L = 4 steps, one example right-padded to 2 real steps).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ConditionalRandomField,
  crfLogPartition,
  crfLoss,
  crfPathScore,
  crfViterbi,
} from '../src/layers/task/index.ts';
import { prng } from '../../../test/helpers/random.ts';

const B = 2,
  L = 4,
  T = 3;
const LENGTHS = [4, 2];

const uniform = prng(7);
const rnd = (): number => uniform() * 4 - 2;
const S = Array.from({ length: B }, () => Array.from({ length: L }, () => Array.from({ length: T }, rnd)));
const TR = Array.from({ length: T }, () => Array.from({ length: T }, rnd));
const GOLD = [
  [0, 2, 1, 1],
  [2, 0, 1, 1],
]; // row 2's last two tags are padding and must not matter
const MASK = LENGTHS.map((n) => Array.from({ length: L }, (_, i) => (i < n ? 1 : 0)));

/** Every tag path of length n. */
function allPaths(n: number): number[][] {
  let paths: number[][] = [[]];
  for (let i = 0; i < n; i++) paths = paths.flatMap((p) => Array.from({ length: T }, (_, j) => [...p, j]));
  return paths;
}
function pathScore(e: number, path: number[]): number {
  let s = 0;
  path.forEach((y, i) => {
    s += S[e][i][y];
    if (i > 0) s += TR[path[i - 1]][y];
  });
  return s;
}
/** Brute force: log Z, best path, and the marginals of tags and tag pairs. */
function brute(e: number) {
  const n = LENGTHS[e];
  const paths = allPaths(n);
  const scores = paths.map((p) => pathScore(e, p));
  const max = Math.max(...scores);
  const z = scores.reduce((a, s) => a + Math.exp(s - max), 0);
  const logZ = max + Math.log(z);
  const unary = Array.from({ length: L }, () => new Array(T).fill(0));
  const pair = Array.from({ length: T }, () => new Array(T).fill(0));
  paths.forEach((p, k) => {
    const prob = Math.exp(scores[k] - logZ);
    p.forEach((y, i) => {
      unary[i][y] += prob;
      if (i > 0) pair[p[i - 1]][y] += prob;
    });
  });
  const best = scores.indexOf(max);
  return { logZ, best: paths[best], bestScore: max, unary, pair };
}

describe('CRF vs brute force', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('log-partition equals log Σ exp(path score) over all paths, padding ignored', () => {
    const got = tf.tidy(() =>
      Array.from(crfLogPartition(tf.tensor3d(S), tf.tensor2d(TR), tf.tensor2d(MASK)).dataSync()),
    );
    for (let e = 0; e < B; e++) expect(Math.abs(got[e] - brute(e).logZ)).toBeLessThan(1e-4);
  });

  it('path score and loss = mean(log Z − gold score)', () => {
    const [score, loss] = tf.tidy(() => {
      const args = [tf.tensor3d(S), tf.tensor2d(GOLD, undefined, 'int32'), tf.tensor2d(TR), tf.tensor2d(MASK)] as const;
      return [Array.from(crfPathScore(...args).dataSync()), crfLoss(...args).dataSync()[0]];
    }) as [number[], number];
    const want = [0, 1].map((e) => pathScore(e, GOLD[e].slice(0, LENGTHS[e])));
    for (let e = 0; e < B; e++) expect(Math.abs(score[e] - want[e])).toBeLessThan(1e-4);
    const wantLoss = (brute(0).logZ - want[0] + brute(1).logZ - want[1]) / 2;
    expect(Math.abs(loss - wantLoss)).toBeLessThan(1e-4);
  });

  it('gradients: d loss/d scores = marginals − gold one-hot, d loss/d trans = pair marginals − gold pairs', () => {
    const before = tf.memory().numTensors;
    const scores = tf.tensor3d(S);
    const trans = tf.tensor2d(TR);
    const tags = tf.tensor2d(GOLD, undefined, 'int32');
    const mask = tf.tensor2d(MASK);
    const [gS, gT] = tf.grads((s: tf.Tensor, t: tf.Tensor) => crfLoss(s, tags, t, mask))([scores, trans]);
    const gs = gS.arraySync() as number[][][];
    const gt = gT.arraySync() as number[][];
    const wantT = Array.from({ length: T }, () => new Array(T).fill(0));
    let worst = 0;
    for (let e = 0; e < B; e++) {
      const bf = brute(e);
      for (let i = 0; i < L; i++) {
        for (let j = 0; j < T; j++) {
          const gold = i < LENGTHS[e] && GOLD[e][i] === j ? 1 : 0;
          const want = i < LENGTHS[e] ? (bf.unary[i][j] - gold) / B : 0;
          worst = Math.max(worst, Math.abs(gs[e][i][j] - want));
        }
      }
      for (let a = 0; a < T; a++) for (let c = 0; c < T; c++) wantT[a][c] += bf.pair[a][c] / B;
      for (let i = 1; i < LENGTHS[e]; i++) wantT[GOLD[e][i - 1]][GOLD[e][i]] -= 1 / B;
    }
    for (let a = 0; a < T; a++) for (let c = 0; c < T; c++) worst = Math.max(worst, Math.abs(gt[a][c] - wantT[a][c]));
    expect(worst).toBeLessThan(1e-4);
    tf.dispose([scores, trans, tags, mask, gS, gT]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('Viterbi returns the highest-scoring path of each example (length = mask sum)', () => {
    const args = [tf.tensor3d(S), tf.tensor2d(TR), tf.tensor2d(MASK)] as const;
    const got = crfViterbi(...args);
    tf.dispose([...args]);
    for (let e = 0; e < B; e++) {
      const bf = brute(e);
      expect(got[e].tags).toEqual(bf.best);
      expect(Math.abs(got[e].score - bf.bestScore)).toBeLessThan(1e-4);
    }
  });

  it('the layer pads its output, and its loss and decoder recover the mask from it', () => {
    const crf = new ConditionalRandomField({ name: 'crf' });
    const out = tf.tidy(() => crf.apply([tf.tensor3d(S), tf.tensor2d(MASK)]) as tf.Tensor);
    crf.setWeights([tf.tensor2d(TR)]);
    const padded = (out.arraySync() as number[][][])[1][3];
    expect(padded.every((v) => v <= -1e11)).toBe(true);
    const loss = tf.tidy(() => crf.loss(tf.tensor2d(GOLD), out).dataSync()[0]);
    const want = [0, 1].reduce((a, e) => a + brute(e).logZ - pathScore(e, GOLD[e].slice(0, LENGTHS[e])), 0) / 2;
    expect(Math.abs(loss - want)).toBeLessThan(1e-4);
    expect(crf.viterbiDecode(out)).toEqual([brute(0).best, brute(1).best]);
    out.dispose();
    crf.dispose();
  });
});
