/**
 * Every loss against its formula, evaluated here in plain JS on small inputs.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Bert4tfjsError } from '../src/errors.ts';
import {
  cosentLoss,
  crossEntropy,
  focalLoss,
  inBatchContrastiveLoss,
  logitAdjustedCrossEntropy,
  multilabelCategoricalCrossentropy,
  sparseMultilabelCategoricalCrossentropy,
} from '../src/train/losses/index.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// ---- plain-JS reference helpers ----
const logSoftmax = (z: number[]): number[] => {
  const m = Math.max(...z);
  const lse = m + Math.log(z.reduce((s, x) => s + Math.exp(x - m), 0));
  return z.map((x) => x - lse);
};
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const value = (t: tf.Tensor): number => {
  const v = t.dataSync()[0];
  t.dispose();
  return v;
};

const LOGITS = [
  [1, 2, 0.5],
  [0.1, -1, 3],
  [-0.5, 0.3, 0.2],
];

describe('crossEntropy', () => {
  it('sparse labels: mean of −log softmax at the label', () => {
    const labels = [1, 2, 0];
    const expected = mean(LOGITS.map((z, i) => -logSoftmax(z)[labels[i]]));
    const got = value(crossEntropy(tf.tensor1d(labels, 'int32'), tf.tensor2d(LOGITS)));
    expect(got).toBeCloseTo(expected, 5);
  });

  it('label smoothing: target (1 − ε)·y + ε/C', () => {
    const labels = [1, 2, 0];
    const eps = 0.1;
    const expected = mean(
      LOGITS.map((z, i) => {
        const lp = logSoftmax(z);
        return -lp.reduce((s, l, c) => s + ((c === labels[i] ? 1 - eps : 0) + eps / 3) * l, 0);
      }),
    );
    const got = value(crossEntropy(tf.tensor1d(labels, 'int32'), tf.tensor2d(LOGITS), { labelSmoothing: eps }));
    expect(got).toBeCloseTo(expected, 5);
  });

  it('mask: masked rows do not count, even with an out-of-range id there', () => {
    const expected = mean([-logSoftmax(LOGITS[0])[1], -logSoftmax(LOGITS[2])[0]]);
    const got = value(
      crossEntropy(tf.tensor1d([1, -100, 0], 'int32'), tf.tensor2d(LOGITS), { mask: tf.tensor1d([1, 0, 1]) }),
    );
    expect(got).toBeCloseTo(expected, 5);
  });

  it('dense soft labels, rank 3 (sequence labelling)', () => {
    const y = [
      [0.2, 0.8, 0],
      [0, 0, 1],
      [0.5, 0.25, 0.25],
    ];
    const expected = mean(LOGITS.map((z, i) => -logSoftmax(z).reduce((s, l, c) => s + y[i][c] * l, 0)));
    const got = value(crossEntropy(tf.tensor3d([y]), tf.tensor3d([LOGITS])));
    expect(got).toBeCloseTo(expected, 5);
  });

  it('gradient w.r.t. logits is (softmax − y)/N', () => {
    const labels = tf.tensor1d([1, 2, 0], 'int32');
    const g = tf.grad((z: tf.Tensor) => crossEntropy(labels, z))(tf.tensor2d(LOGITS));
    const got = g.arraySync() as number[][];
    LOGITS.forEach((z, i) => {
      const p = logSoftmax(z).map(Math.exp);
      p.forEach((pc, c) => expect(got[i][c]).toBeCloseTo((pc - (c === [1, 2, 0][i] ? 1 : 0)) / 3, 5));
    });
  });

  it('rejects labels outside [0, C), non-integers, bad shapes and unknown options before computing', () => {
    const z = tf.tensor2d(LOGITS);
    expect(() => crossEntropy(tf.tensor1d([1, 3, 0], 'int32'), z)).toThrow(/holds 3 .*\[0, 3\)/);
    expect(() => crossEntropy(tf.tensor1d([1, -1, 0], 'int32'), z)).toThrow(Bert4tfjsError);
    expect(() => crossEntropy(tf.tensor1d([1, 1.5, 0]), z)).toThrow(/integers in \[0, 3\)/);
    expect(() => crossEntropy(tf.tensor1d([1, 0], 'int32'), z)).toThrow(/shape \[2\]/);
    expect(() => crossEntropy(tf.tensor1d([1, 0, 0], 'int32'), z, { labelSmothing: 0.1 } as never)).toThrow(
      /unknown option 'labelSmothing'.*labelSmoothing/,
    );
    expect(() => crossEntropy(tf.tensor1d([1, 0, 0], 'int32'), z, { labelSmoothing: 1 })).toThrow(/labelSmoothing/);
    expect(() => crossEntropy(tf.tensor1d([1, 0, 0], 'int32'), z, { mask: tf.ones([2]) })).toThrow(/'mask' has shape/);
  });
});

describe('focalLoss', () => {
  it('softmax: −Σ y·α_c·(1 − p)^γ·log p', () => {
    const labels = [1, 2, 0];
    const alpha = [0.25, 0.5, 1];
    const gamma = 2;
    const expected = mean(
      LOGITS.map((z, i) => {
        const lp = logSoftmax(z)[labels[i]];
        return -alpha[labels[i]] * (1 - Math.exp(lp)) ** gamma * lp;
      }),
    );
    const got = value(focalLoss(tf.tensor1d(labels, 'int32'), tf.tensor2d(LOGITS), { gamma, alpha }));
    expect(got).toBeCloseTo(expected, 5);
  });

  it('gamma = 0 without alpha equals cross-entropy', () => {
    const labels = tf.tensor1d([1, 2, 0], 'int32');
    const z = tf.tensor2d(LOGITS);
    expect(value(focalLoss(labels, z, { gamma: 0 }))).toBeCloseTo(value(crossEntropy(labels, z)), 6);
  });

  it('sigmoid: α for positives, 1 − α for negatives, summed over classes', () => {
    const y = [
      [1, 0, 0],
      [0, 1, 1],
      [0, 0, 0],
    ];
    const alpha = 0.25;
    const gamma = 2;
    const expected = mean(
      LOGITS.map((z, i) =>
        z.reduce((s, x, c) => {
          const p = sigmoid(x);
          return (
            s -
            (y[i][c] * alpha * (1 - p) ** gamma * Math.log(p) +
              (1 - y[i][c]) * (1 - alpha) * p ** gamma * Math.log(1 - p))
          );
        }, 0),
      ),
    );
    const got = value(focalLoss(tf.tensor2d(y), tf.tensor2d(LOGITS), { gamma, alpha, sigmoid: true }));
    expect(got).toBeCloseTo(expected, 5);
  });

  it('rejects a wrong-length alpha and unknown options', () => {
    const labels = tf.tensor1d([1, 2, 0], 'int32');
    expect(() => focalLoss(labels, tf.tensor2d(LOGITS), { alpha: [1, 2] })).toThrow(/'alpha' must hold 3/);
    expect(() => focalLoss(labels, tf.tensor2d(LOGITS), { gama: 2 } as never)).toThrow(/unknown option 'gama'.*gamma/);
  });
});

describe('logitAdjustedCrossEntropy', () => {
  it('is cross-entropy on z + τ·log π', () => {
    const labels = [1, 2, 0];
    const priors = [0.6, 0.3, 0.1];
    const tau = 1.5;
    const expected = mean(LOGITS.map((z, i) => -logSoftmax(z.map((x, c) => x + tau * Math.log(priors[c])))[labels[i]]));
    const got = value(logitAdjustedCrossEntropy(tf.tensor1d(labels, 'int32'), tf.tensor2d(LOGITS), { priors, tau }));
    expect(got).toBeCloseTo(expected, 5);
  });

  it('needs positive priors, one per class', () => {
    const labels = tf.tensor1d([1, 2, 0], 'int32');
    expect(() => logitAdjustedCrossEntropy(labels, tf.tensor2d(LOGITS), { priors: [0.5, 0.5] })).toThrow(
      /'priors' must hold 3/,
    );
    expect(() => logitAdjustedCrossEntropy(labels, tf.tensor2d(LOGITS), { priors: [0.5, 0, 0.5] })).toThrow(/priors/);
  });
});

describe('multilabel categorical cross-entropy', () => {
  const S = [
    [2, -1, 0.5, -3],
    [-0.2, 1.5, -2, 0.7],
  ];
  const hardRef = (y: number[][]) =>
    mean(
      S.map((s, i) => {
        const neg = s.reduce((a, x, c) => a + (y[i][c] === 0 ? Math.exp(x) : 0), 0);
        const pos = s.reduce((a, x, c) => a + (y[i][c] === 1 ? Math.exp(-x) : 0), 0);
        return Math.log(1 + neg) + Math.log(1 + pos);
      }),
    );

  it('hard labels: log(1 + Σ_neg e^s) + log(1 + Σ_pos e^−s)', () => {
    const y = [
      [1, 0, 1, 0],
      [0, 0, 0, 0],
    ];
    expect(value(multilabelCategoricalCrossentropy(tf.tensor2d(y), tf.tensor2d(S)))).toBeCloseTo(hardRef(y), 5);
  });

  it('soft labels: log(1 + Σ(1 − t)e^s) + log(1 + Σ t·e^−s)', () => {
    const t = [
      [0.9, 0.1, 0.5, 0],
      [0.05, 1, 0.3, 0.7],
    ];
    const expected = mean(
      S.map((s, i) => {
        const neg = s.reduce((a, x, c) => a + (1 - t[i][c]) * Math.exp(x), 0);
        const pos = s.reduce((a, x, c) => a + t[i][c] * Math.exp(-x), 0);
        return Math.log(1 + neg) + Math.log(1 + pos);
      }),
    );
    expect(value(multilabelCategoricalCrossentropy(tf.tensor2d(t), tf.tensor2d(S)))).toBeCloseTo(expected, 5);
  });

  it('sparse form: index lists (ragged arrays or −1-padded tensor) equal the dense hard formula', () => {
    const lists = [[0, 2], [3]];
    const dense = [
      [1, 0, 1, 0],
      [0, 0, 0, 1],
    ];
    const expected = hardRef(dense);
    expect(value(sparseMultilabelCategoricalCrossentropy(lists, tf.tensor2d(S)))).toBeCloseTo(expected, 5);
    const padded = tf.tensor2d(
      [
        [0, 2],
        [3, -1],
      ],
      undefined,
      'int32',
    );
    expect(value(sparseMultilabelCategoricalCrossentropy(padded, tf.tensor2d(S)))).toBeCloseTo(expected, 5);
  });

  it('sparse form has gradients, and rejects ids outside [0, C)', () => {
    const g = tf.grad((s: tf.Tensor) => sparseMultilabelCategoricalCrossentropy([[0], [1]], s))(tf.tensor2d(S));
    expect(g.shape).toEqual([2, 4]);
    expect((g.arraySync() as number[][])[0][0]).toBeLessThan(0); // raising a positive's score lowers the loss
    expect(() => sparseMultilabelCategoricalCrossentropy([[0, 4], [1]], tf.tensor2d(S))).toThrow(/holds 4.*\[0, 4\)/);
    expect(() =>
      multilabelCategoricalCrossentropy(
        tf.tensor2d([
          [2, 0, 0, 0],
          [0, 0, 0, 0],
        ]),
        tf.tensor2d(S),
      ),
    ).toThrow(/\[0, 1\]/);
  });
});

describe('similarity losses', () => {
  it('cosentLoss: log(1 + Σ_{label_i > label_j} exp(λ(cos_j − cos_i)))', () => {
    const labels = [1, 0, 2, 0];
    const cos = [0.9, 0.2, 0.4, 0.5];
    const scale = 20;
    let sum = 0;
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 4; j++) if (labels[i] > labels[j]) sum += Math.exp(scale * (cos[j] - cos[i]));
    expect(value(cosentLoss(tf.tensor1d(labels), tf.tensor1d(cos)))).toBeCloseTo(Math.log(1 + sum), 4);
    expect(value(cosentLoss(tf.tensor1d(labels), tf.tensor1d(cos), { scale: 5 }))).not.toBeCloseTo(
      Math.log(1 + sum),
      2,
    );
    expect(() => cosentLoss(tf.tensor1d(labels), tf.tensor1d([1, 2]))).toThrow(/must match/);
  });

  const A = [
    [1, 0, 1],
    [0, 2, 0],
    [1, 1, 0],
    [0.5, -1, 2],
  ];
  const B = [
    [1, 0.1, 0.8],
    [0.2, 1, 0],
    [-1, 1, 0],
    [0, -1, 1],
  ];
  const cosine = (u: number[], v: number[]) => {
    const dot = u.reduce((s, x, i) => s + x * v[i], 0);
    return dot / Math.hypot(...u) / Math.hypot(...v);
  };

  it('inBatchContrastiveLoss(a, b): row i of a pairs with row i of b', () => {
    const scale = 20;
    const expected = mean(A.map((a, i) => -logSoftmax(B.map((b) => scale * cosine(a, b)))[i]));
    expect(value(inBatchContrastiveLoss(tf.tensor2d(A), tf.tensor2d(B)))).toBeCloseTo(expected, 4);
  });

  it('inBatchContrastiveLoss(a): SimBERT pairs (2k, 2k+1), self excluded', () => {
    const scale = 10;
    const expected = mean(
      A.map((a, i) => {
        const others = A.map((b, j) => ({ j, s: scale * cosine(a, b) })).filter(({ j }) => j !== i);
        const lp = logSoftmax(others.map((o) => o.s));
        return -lp[others.findIndex((o) => o.j === (i ^ 1))];
      }),
    );
    expect(value(inBatchContrastiveLoss(tf.tensor2d(A), undefined, { scale }))).toBeCloseTo(expected, 4);
    expect(() => inBatchContrastiveLoss(tf.tensor2d(A.slice(0, 3)))).toThrow(/even/);
    expect(() => inBatchContrastiveLoss(tf.tensor2d(A), undefined, { temperature: 1 } as never)).toThrow(
      /unknown option 'temperature'/,
    );
  });
});

describe('no leaks', () => {
  it('each loss leaves exactly its returned scalar behind', () => {
    const z = tf.tensor2d(LOGITS);
    const ids = tf.tensor1d([1, 2, 0], 'int32');
    const mask = tf.tensor1d([1, 0, 1]);
    const calls: (() => tf.Tensor)[] = [
      () => crossEntropy(ids, z, { labelSmoothing: 0.1, mask }),
      () => focalLoss(ids, z, { alpha: [1, 1, 1] }),
      () => focalLoss(tf.onesLike(z), z, { sigmoid: true, alpha: 0.5 }),
      () => logitAdjustedCrossEntropy(ids, z, { priors: [1, 2, 3] }),
      () => multilabelCategoricalCrossentropy(tf.zerosLike(z), z),
      () => sparseMultilabelCategoricalCrossentropy([[0], [1], []], z),
      () => cosentLoss(tf.tensor1d([1, 0, 1]), tf.tensor1d([0.1, 0.2, 0.3])),
      () => inBatchContrastiveLoss(z, z),
    ];
    for (const call of calls) {
      const before = tf.memory().numTensors;
      const out = tf.tidy(() => {
        // Inputs built inside the call are tidied here; the loss itself must keep nothing else.
        return call();
      });
      expect(tf.memory().numTensors).toBe(before + 1);
      out.dispose();
    }
  });
});
