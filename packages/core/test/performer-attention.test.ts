/**
 * Performer attention beyond the fixture: padding invariance, strict causality of the 'prefix' stabiliser
 * (checked against a float64 brute-force transcription of its formula written here), chunking and key
 * offsets, gradients through the chunked loop, the MultiHeadAttention integration (buffer not weight,
 * redraw, dispose), bad input and tensor leaks.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Bert4tfjsError } from '../src/errors.ts';
import { MultiHeadAttention } from '../src/layers/attention.ts';
import {
  PerformerKernel,
  favorAttention,
  keyFeatures,
  orthogonalRandomFeatures,
  performerKernelOf,
  queryFeatures,
  type FavorOptions,
} from '../src/layers/performer/index.ts';

const B = 2;
const H = 2;
const D = 8;
const M = 24;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function rnd(shape: number[], seed: number, std = 1): tf.Tensor {
  return tf.randomNormal(shape, 0, std, 'float32', seed);
}

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

/** Rows [start, start+size) of a [B, H, L, *] tensor. */
function rows(x: tf.Tensor, start: number, size: number): tf.Tensor {
  return tf.slice(x, [0, 0, start, 0], [-1, -1, size, -1]);
}

/**
 * Causal softmax FAVOR+ with the prefix stabiliser, straight from its definition in float64: for query i,
 * S_i = max over real keys j <= i+offset and features of u_j; φ(k_j) = m^-1/2 (exp(u_j − |k~_j|²/2 − S_i) + 1e-4)
 * at real keys, 0 at padding; out_i = Σ_j (φq_i·φk_j) v_j / φq_i·(Σ_j φk_j + 1e-6).
 */
function bruteForcePrefixCausal(
  q: tf.Tensor,
  k: tf.Tensor,
  v: tf.Tensor,
  w: Float32Array,
  m: number,
  mask: number[][] | null,
): Float64Array {
  const [b, h, lq, d] = q.shape as number[];
  const lk = k.shape[2] as number;
  const dv = v.shape[3] as number;
  const [qa, ka, va] = [q.dataSync(), k.dataSync(), v.dataSync()] as Float32Array[];
  const s = d ** -0.25;
  const feat = (x: Float32Array, base: number): { u: number[]; half: number } => {
    let half = 0;
    for (let t = 0; t < d; t++) half += (x[base + t] * s) ** 2 / 2;
    const u = [];
    for (let f = 0; f < m; f++) {
      let acc = 0;
      for (let t = 0; t < d; t++) acc += x[base + t] * s * w[f * d + t];
      u.push(acc);
    }
    return { u, half };
  };
  const out = new Float64Array(b * h * lq * dv);
  const off = lk - lq;
  for (let bi = 0; bi < b; bi++) {
    for (let hi = 0; hi < h; hi++) {
      const keys = Array.from({ length: lk }, (_, j) => feat(ka, ((bi * h + hi) * lk + j) * d));
      for (let i = 0; i < lq; i++) {
        const fq = feat(qa, ((bi * h + hi) * lq + i) * d);
        const qmax = Math.max(...fq.u);
        const phq = fq.u.map((x) => (Math.exp(x - fq.half - qmax) + 1e-4) / Math.sqrt(m));
        const real = (j: number): boolean => !mask || mask[bi][j] === 1;
        let si = -Infinity;
        for (let j = 0; j <= i + off; j++) if (real(j)) si = Math.max(si, ...keys[j].u);
        const num = new Float64Array(dv);
        let den = 1e-6 * phq.reduce((a, x) => a + x, 0);
        for (let j = 0; j <= i + off; j++) {
          if (!real(j)) continue;
          let wij = 0;
          for (let f = 0; f < m; f++)
            wij += (phq[f] * (Math.exp(keys[j].u[f] - keys[j].half - si) + 1e-4)) / Math.sqrt(m);
          den += wij;
          for (let c = 0; c < dv; c++) num[c] += wij * va[((bi * h + hi) * lk + j) * dv + c];
        }
        for (let c = 0; c < dv; c++) out[((bi * h + hi) * lq + i) * dv + c] = num[c] / den;
      }
    }
  }
  return out;
}

describe('causal FAVOR+ (chunked prefix sums)', () => {
  const w = orthogonalRandomFeatures(M, D, 42);

  it('prefix stabiliser: matches the brute-force formula, for any block size, with padding and a key offset', () => {
    tf.tidy(() => {
      const proj = tf.tensor2d(w, [M, D]);
      const q = rnd([B, H, 10, D], 1);
      const k = rnd([B, H, 13, D], 2);
      const v = rnd([B, H, 13, D], 3);
      const maskRows = [Array(13).fill(1), [...Array(9).fill(1), 0, 1, 0, 0]];
      const mask = tf.tensor2d(maskRows, [B, 13], 'int32');
      const want = tf.tensor(
        Float32Array.from(bruteForcePrefixCausal(q, k, v, w, M, maskRows)),
        [B, H, 10, D],
        'float32',
      );
      for (const chunkSize of [1, 3, 4, 128]) {
        const out = favorAttention({ q, k, v, keyMask: mask, causal: true }, proj, { chunkSize });
        expect(maxDiff(out, want)).toBeLessThan(1e-5);
      }
    });
  });

  it('output at position i does not depend on tokens after i (prefix stabiliser)', () => {
    tf.tidy(() => {
      const proj = tf.tensor2d(w, [M, D]);
      const [q, k, v] = [rnd([B, H, 16, D], 4), rnd([B, H, 16, D], 5), rnd([B, H, 16, D], 6)];
      // Change positions 9.. only, with larger keys so they would move a global stabiliser.
      const change = (x: tf.Tensor, seed: number): tf.Tensor =>
        tf.concat([rows(x, 0, 9), rnd([B, H, 7, D], seed, 3)], 2);
      const [q2, k2, v2] = [change(q, 7), change(k, 8), change(v, 9)];
      const base = favorAttention({ q, k, v, causal: true }, proj, { chunkSize: 4 });
      const moved = favorAttention({ q: q2, k: k2, v: v2, causal: true }, proj, { chunkSize: 4 });
      expect(maxDiff(rows(base, 0, 9), rows(moved, 0, 9))).toBeLessThan(1e-6);
      expect(maxDiff(rows(base, 9, 7), rows(moved, 9, 7))).toBeGreaterThan(1e-2); // the check can fail
      // The reference's global stabiliser leaks the future through the 1e-4 of φ: why 'prefix' is the default.
      const g1 = favorAttention({ q, k, v, causal: true }, proj, { causalStabilizer: 'global' });
      const g2 = favorAttention({ q: q2, k: k2, v: v2, causal: true }, proj, { causalStabilizer: 'global' });
      expect(maxDiff(rows(g1, 0, 9), rows(g2, 0, 9))).toBeGreaterThan(1e-5);
    });
  });

  it('global stabiliser: equals a brute-force L×L masked product of the feature maps', () => {
    tf.tidy(() => {
      const proj = tf.tensor2d(w, [M, D]);
      const [q, k, v] = [rnd([B, H, 11, D], 10), rnd([B, H, 11, D], 11), rnd([B, H, 11, D], 12)];
      const projT = tf.transpose(proj);
      const phq = queryFeatures(q, projT, D ** -0.5, 'softmax');
      const phk = keyFeatures(k, projT, D ** -0.5, 'softmax', null);
      const tri = tf.linalg.bandPart(tf.ones([11, 11]), -1, 0);
      const a = tf.mul(tf.matMul(phq, phk, false, true), tri);
      const want = tf.div(tf.matMul(a, v), tf.add(tf.sum(a, -1, true), tf.mul(tf.sum(phq, -1, true), 1e-6)));
      expect(
        maxDiff(favorAttention({ q, k, v, causal: true }, proj, { causalStabilizer: 'global', chunkSize: 3 }), want),
      ).toBeLessThan(1e-5);
    });
  });

  it('keys before the first query (Lk > Lq) are seen by every query', () => {
    tf.tidy(() => {
      const proj = tf.tensor2d(w, [M, D]);
      const [q, k, v] = [rnd([B, H, 15, D], 13), rnd([B, H, 15, D], 14), rnd([B, H, 15, D], 15)];
      for (const options of [
        { chunkSize: 4 },
        { chunkSize: 4, causalStabilizer: 'global' },
        { kernel: 'relu', chunkSize: 4 },
      ] as FavorOptions[]) {
        const full = favorAttention({ q, k, v, causal: true }, proj, options);
        const tail = favorAttention({ q: rows(q, 10, 5), k, v, causal: true }, proj, options);
        expect(maxDiff(rows(full, 10, 5), tail)).toBeLessThan(1e-5);
      }
    });
  });

  it('gradients through the chunked loop equal those of the brute-force form', () => {
    tf.tidy(() => {
      const proj = tf.tensor2d(w, [M, D]);
      const [q, k, v] = [rnd([1, H, 9, D], 16), rnd([1, H, 9, D], 17), rnd([1, H, 9, D], 18)];
      const r = rnd([1, H, 9, D], 19);
      const projT = tf.transpose(proj);
      const tri = tf.linalg.bandPart(tf.ones([9, 9]), -1, 0);
      const brute = (qq: tf.Tensor, kk: tf.Tensor, vv: tf.Tensor): tf.Tensor => {
        const phq = queryFeatures(qq, projT, D ** -0.5, 'softmax');
        const a = tf.mul(tf.matMul(phq, keyFeatures(kk, projT, D ** -0.5, 'softmax', null), false, true), tri);
        return tf.div(tf.matMul(a, vv), tf.add(tf.sum(a, -1, true), tf.mul(tf.sum(phq, -1, true), 1e-6)));
      };
      const loss =
        (f: (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.Tensor) => (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
          tf.sum(tf.mul(f(a, b, c), r));
      const chunked = tf.grads(
        loss((a, b, c) =>
          favorAttention({ q: a, k: b, v: c, causal: true }, proj, { causalStabilizer: 'global', chunkSize: 2 }),
        ),
      )([q, k, v]);
      const want = tf.grads(loss(brute))([q, k, v]);
      for (let i = 0; i < 3; i++) expect(maxDiff(chunked[i], want[i])).toBeLessThan(1e-5);
      // Prefix mode trains too: gradients exist and are finite.
      const prefix = tf.grads(
        loss((a, b, c) => favorAttention({ q: a, k: b, v: c, causal: true }, proj, { chunkSize: 2 })),
      )([q, k, v]);
      for (const g of prefix) expect(Number.isFinite(tf.sum(tf.abs(g)).dataSync()[0])).toBe(true);
      expect(tf.sum(tf.abs(prefix[1])).dataSync()[0]).toBeGreaterThan(0);
    });
  });
});

describe('padding', () => {
  const proj = (): tf.Tensor2D => tf.tensor2d(orthogonalRandomFeatures(M, D, 43), [M, D]);

  for (const [title, options, causal] of [
    ['non-causal', {}, false],
    ['causal (prefix)', { chunkSize: 4 }, true],
    ['causal (global)', { chunkSize: 4, causalStabilizer: 'global' }, true],
    ['non-causal relu', { kernel: 'relu' }, false],
    ['causal relu', { kernel: 'relu', chunkSize: 4 }, true],
  ] as Array<[string, FavorOptions, boolean]>) {
    it(`${title}: real positions give identical outputs with or without trailing padding`, () => {
      tf.tidy(() => {
        const p = proj();
        const lens = [12, 7];
        const padded = 20;
        // Large junk at padded positions: any leak into a stabiliser, numerator or denominator would show.
        const [q, k, v] = [rnd([B, H, padded, D], 20, 3), rnd([B, H, padded, D], 21, 3), rnd([B, H, padded, D], 22, 3)];
        const maskRows = lens.map((n) => Array.from({ length: padded }, (_, j) => (j < n ? 1 : 0)));
        const out = favorAttention({ q, k, v, keyMask: tf.tensor2d(maskRows, [B, padded]), causal }, p, options);
        lens.forEach((n, bi) => {
          const pick = (x: tf.Tensor): tf.Tensor => tf.slice(x, [bi, 0, 0, 0], [1, -1, n, -1]);
          const alone = favorAttention({ q: pick(q), k: pick(k), v: pick(v), causal }, p, options);
          expect(maxDiff(pick(out), alone)).toBeLessThan(1e-5);
        });
      });
    });
  }

  it('non-causal: padded keys anywhere (not only trailing) contribute nothing', () => {
    tf.tidy(() => {
      const p = proj();
      const [q, k, v] = [rnd([1, H, 10, D], 23), rnd([1, H, 10, D], 24, 3), rnd([1, H, 10, D], 25)];
      const keep = [0, 2, 3, 6, 9];
      const mask = tf.tensor2d([Array.from({ length: 10 }, (_, j) => (keep.includes(j) ? 1 : 0))], [1, 10]);
      const idx = tf.tensor1d(keep, 'int32');
      const out = favorAttention({ q, k, v, keyMask: mask }, p);
      const want = favorAttention({ q, k: tf.gather(k, idx, 2), v: tf.gather(v, idx, 2) }, p);
      expect(maxDiff(out, want)).toBeLessThan(1e-5);
    });
  });
});

describe('MultiHeadAttention with attention: performer', () => {
  const x = (): tf.Tensor => rnd([2, 12, 16], 30);
  const mask = (): tf.Tensor => tf.tensor2d([Array(12).fill(1), [...Array(8).fill(1), 0, 0, 0, 0]], [2, 12]);

  it('adds no weights (softmax checkpoints load unchanged) and approaches softmax attention as m grows', () => {
    const before = tf.memory().numTensors;
    const soft = new MultiHeadAttention({ name: 'mha-soft', heads: 2, headSize: 8, maskInput: true });
    const perf = new MultiHeadAttention({
      name: 'mha-perf',
      heads: 2,
      headSize: 8,
      maskInput: true,
      attention: { type: 'performer', features: 4096, seed: 1 },
    });
    const errs = tf.tidy(() => {
      const [xs, ms] = [x(), mask()];
      const ys = soft.apply([xs, ms]) as tf.Tensor;
      perf.apply([xs, ms]);
      expect(perf.getWeights().map((t) => t.shape)).toEqual(soft.getWeights().map((t) => t.shape));
      expect(perf.weights.map((wt) => wt.name.replace('mha-perf', ''))).toEqual(
        soft.weights.map((wt) => wt.name.replace('mha-soft', '')),
      );
      perf.setWeights(soft.getWeights());
      const yp = perf.apply([xs, ms]) as tf.Tensor;
      const rel = (a: tf.Tensor): number => tf.norm(tf.sub(a, ys)).dataSync()[0] / tf.norm(ys).dataSync()[0];
      const kernel = performerKernelOf(perf)!;
      expect(kernel.projection.shape).toEqual([4096, 8]);
      kernel.setProjection(tf.tensor2d(orthogonalRandomFeatures(16, 8, 1), [16, 8]));
      const small = perf.apply([xs, ms]) as tf.Tensor;
      return [rel(yp), rel(small)];
    });
    expect(errs[0]).toBeLessThan(0.05);
    expect(errs[1]).toBeGreaterThan(errs[0]);
    soft.dispose();
    perf.dispose();
    expect(tf.memory().numTensors).toBe(before); // weights and the projection buffer are freed
  });

  it('projections are deterministic per seed and layer name, and differ across layers', () => {
    const mk = (name: string, seed: number): PerformerKernel =>
      new PerformerKernel({ type: 'performer', features: 16, seed }, 8, name);
    const [a, a2, b, c] = [mk('L0', 3), mk('L0', 3), mk('L1', 3), mk('L0', 4)];
    const data = [a, a2, b, c].map((kk) => Array.from(kk.projection.dataSync()));
    expect(data[1]).toEqual(data[0]);
    expect(data[2]).not.toEqual(data[0]);
    expect(data[3]).not.toEqual(data[0]);
    [a, a2, b, c].forEach((kk) => kk.dispose());
  });

  it('redraws every N training calls, never at inference', () => {
    const kernel = new PerformerKernel({ type: 'performer', features: 16, redraw: 2 }, 8, 'r');
    tf.tidy(() => {
      const [q, k, v] = [rnd([1, 1, 5, 8], 31), rnd([1, 1, 5, 8], 32), rnd([1, 1, 5, 8], 33)];
      const call = (training: boolean): tf.Tensor =>
        kernel.call({ q, k, v, keyMask: null, bias: null, causal: false, scale: 8 ** -0.5, dropout: 0, training });
      const first = Array.from(kernel.projection.dataSync());
      for (let i = 0; i < 3; i++) call(false);
      expect(kernel.draws).toBe(0);
      call(true);
      call(true);
      expect(kernel.draws).toBe(0);
      call(true); // third training call: a new draw
      expect(kernel.draws).toBe(1);
      expect(Array.from(kernel.projection.dataSync())).not.toEqual(first);
      for (let i = 0; i < 3; i++) call(true);
      expect(kernel.draws).toBe(2);
    });
    kernel.dispose();
  });

  it('runs without leaking tensors (non-causal and causal layers)', () => {
    const layers = [
      new MultiHeadAttention({
        name: 'leak-a',
        heads: 2,
        headSize: 8,
        maskInput: true,
        attention: { type: 'performer', features: 32 },
      }),
      new MultiHeadAttention({
        name: 'leak-b',
        heads: 2,
        headSize: 8,
        maskInput: true,
        causal: true,
        attention: { type: 'performer', features: 32, chunkSize: 5 },
      }),
    ];
    for (const layer of layers) {
      const [xs, ms] = [x(), mask()];
      (layer.apply([xs, ms]) as tf.Tensor).dispose(); // builds: weights + projection
      const before = tf.memory().numTensors;
      const y = layer.apply([xs, ms]) as tf.Tensor;
      expect(y.shape).toEqual([2, 12, 16]);
      y.dispose();
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([xs, ms]);
      layer.dispose();
    }
  });
});

describe('bad input', () => {
  const expectError = (fn: () => unknown, code: string, text: RegExp): void => {
    let caught: unknown;
    try {
      fn();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(Bert4tfjsError);
    expect((caught as Bert4tfjsError).code).toBe(code);
    expect((caught as Error).message).toMatch(text);
  };

  it('features < 1, unknown options and bad values are refused with the option named', () => {
    expectError(
      () => new PerformerKernel({ type: 'performer', features: 0 }, 8),
      'bad-config',
      /features must be an integer >= 1, got 0/,
    );
    expectError(() => new PerformerKernel({ type: 'performer', features: 2.5 }, 8), 'bad-config', /features/);
    expectError(
      () => new PerformerKernel({ type: 'performer', kernel: 'tanh' } as never, 8),
      'bad-config',
      /kernel must be 'softmax' or 'relu'/,
    );
    expectError(() => new PerformerKernel({ type: 'performer', redraw: 0 }, 8), 'bad-config', /redraw/);
    expectError(
      () => new PerformerKernel({ type: 'performer', feature: 64 } as never, 8),
      'bad-config',
      /unknown option\(s\) feature/,
    );
    // Through a layer the option is checked when the layer is built, i.e. when the model is.
    const layer = new MultiHeadAttention({
      heads: 2,
      headSize: 8,
      maskInput: true,
      attention: { type: 'performer', features: -1 },
    });
    expectError(
      () => tf.tidy(() => layer.apply([tf.zeros([1, 4, 16]), tf.ones([1, 4])]) as tf.Tensor),
      'bad-config',
      /features/,
    );
  });

  it('a projection whose width is not the head size', () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const [q, k, v] = [tf.zeros([1, 2, 4, 8]), tf.zeros([1, 2, 4, 8]), tf.zeros([1, 2, 4, 8])];
      expectError(
        () => favorAttention({ q, k, v }, tf.zeros([16, 6])),
        'bad-shape',
        /projection matrix has shape \[16,6\], expected \[features, 8\]/,
      );
      expectError(() => favorAttention({ q, k, v }, tf.zeros([16])), 'bad-shape', /projection matrix/);
      const kernel = new PerformerKernel({ type: 'performer', features: 16 }, 8);
      expectError(() => kernel.setProjection(tf.zeros([16, 4])), 'bad-shape', /expected \[features, 8\]/);
      kernel.dispose();
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a mask of the wrong shape, mismatched q/k/v, an additive bias, causal with fewer keys than queries', () => {
    tf.tidy(() => {
      const p = tf.tensor2d(orthogonalRandomFeatures(16, 8, 1), [16, 8]);
      const [q, k, v] = [tf.zeros([2, 2, 4, 8]), tf.zeros([2, 2, 4, 8]), tf.zeros([2, 2, 4, 8])];
      expectError(
        () => favorAttention({ q, k, v, keyMask: tf.ones([2, 5]) }, p),
        'bad-shape',
        /key mask has shape \[2,5\], expected \[2, 4\]/,
      );
      expectError(() => favorAttention({ q, k: tf.zeros([2, 2, 4, 6]), v }, p), 'bad-shape', /head sizes differ/);
      expectError(
        () => favorAttention({ q: tf.zeros([2, 2, 6, 8]), k, v, causal: true }, p),
        'unsupported',
        /at least as many keys/,
      );
      const layer = new MultiHeadAttention({
        heads: 2,
        headSize: 8,
        maskInput: true,
        attention: { type: 'performer', features: 16 },
      });
      expectError(
        () => layer.apply([tf.zeros([2, 4, 16]), tf.ones([2, 3])]),
        'bad-shape',
        /attention mask has shape \[2,3\]/,
      );
      const kernel = new PerformerKernel({ type: 'performer', features: 16 }, 8);
      expectError(
        () =>
          kernel.call({
            q,
            k,
            v,
            keyMask: null,
            bias: tf.zeros([1, 1, 4, 4]),
            causal: false,
            scale: 1,
            dropout: 0,
            training: false,
          }),
        'unsupported',
        /additive attention bias/,
      );
      kernel.dispose();
      layer.dispose();
    });
  });
});
