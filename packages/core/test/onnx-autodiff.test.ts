// Reverse mode over our ONNX ops: for each differentiable op, loss = Σ op(x)·c with a random cotangent c,
// run by onnxruntime-node; every input gradient must equal tfjs's own (independent) gradient of the same
// function on the cpu backend within 1e-4, and a whole composite agrees with central finite differences.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { GradTape, loadOrt, OnnxDataType, onnxOps as O, type TVal } from '../src/index.ts';
import { prng } from '../../../test/helpers/random.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function randn(n: number, seed: number, spread = 1): Float32Array {
  const r = prng(seed);
  return Float32Array.from({ length: n }, () => (r() * 2 - 1) * spread);
}

interface Case {
  shapes: number[][];
  /** Differentiable inputs (default all). */
  diff?: boolean[];
  onnx: (t: GradTape, xs: TVal[]) => TVal;
  ref: (xs: tf.Tensor[]) => tf.Tensor;
  /** Input values (default uniform in [-1, 1)). */
  values?: (i: number, n: number) => Float32Array;
}

/** Runs `c` through onnxruntime and tfjs; returns the max relative gradient error and the loss pair. */
async function check(c: Case, seed = 1): Promise<number> {
  const xs = c.shapes.map((s, i) => {
    const n = s.reduce((a, b) => a * b, 1);
    return c.values ? c.values(i, n) : randn(n, seed + i);
  });
  const diff = c.diff ?? c.shapes.map(() => true);
  const t = new GradTape({ opset: 17 });
  const vals = c.shapes.map((s, i) => (diff[i] ? t.param(`x${i}`, s) : t.input(`x${i}`, s)));
  const y = c.onnx(t, vals);
  const outShape = y.shape as number[];
  const cot = t.input('cot', outShape);
  const loss = O.reduceSum(t, O.mul(t, y, cot), [...outShape.keys()]);
  t.output(loss, 'loss');
  const wrt = vals.filter((_, i) => diff[i]);
  const grads = t.gradients(loss, wrt);
  for (const p of wrt) t.output(grads.get(p.name)!, `grad_${p.name}`);
  const { ort } = loadOrt();
  const session = await ort.InferenceSession.create(t.g.serialize());
  const cotData = randn(
    outShape.reduce((a, b) => a * b, 1),
    seed + 99,
  );
  const feeds: Record<string, ReturnType<typeof tensorOf>> = { cot: tensorOf(ort, cotData, outShape) };
  xs.forEach((x, i) => {
    feeds[`x${i}`] = tensorOf(ort, x, c.shapes[i]);
  });
  const out = await session.run(feeds);
  const tx = xs.map((x, i) => tf.tensor(x, c.shapes[i]));
  const tcot = tf.tensor(cotData, outShape);
  const f = (...a: tf.Tensor[]) => tf.sum(tf.mul(c.ref(a), tcot)) as tf.Scalar;
  const refLoss = f(...tx).dataSync()[0];
  expect((out.loss.data as Float32Array)[0]).toBeCloseTo(refLoss, 4);
  const idx = diff.flatMap((d, i) => (d ? [i] : []));
  const refGrads = tf.grads((...a: tf.Tensor[]) => f(...tx.map((x, i) => (idx.includes(i) ? a[idx.indexOf(i)] : x))))(
    idx.map((i) => tx[i]),
  );
  let worst = 0;
  idx.forEach((i, k) => {
    const got = out[`grad_x${i}`].data as Float32Array;
    const want = refGrads[k].dataSync();
    expect(got.length).toBe(want.length);
    let scale = 1e-6;
    for (const w of want) scale = Math.max(scale, Math.abs(w));
    for (let j = 0; j < got.length; j++) worst = Math.max(worst, Math.abs(got[j] - want[j]) / scale);
  });
  return worst;
}

function tensorOf(ort: ReturnType<typeof loadOrt>['ort'], data: Float32Array | BigInt64Array, dims: number[]) {
  return data instanceof BigInt64Array ? new ort.Tensor('int64', data, dims) : new ort.Tensor('float32', data, dims);
}

describe('ONNX reverse mode: each op against tfjs gradients', () => {
  const cases: Record<string, Case> = {
    'add with broadcasting (bias [4] and [2,1,4])': {
      shapes: [[2, 3, 4], [4]],
      onnx: (t, [a, b]) => O.add(t, a, b),
      ref: ([a, b]) => tf.add(a, b),
    },
    'sub with inner broadcasting [2,3,4] − [2,1,4]': {
      shapes: [
        [2, 3, 4],
        [2, 1, 4],
      ],
      onnx: (t, [a, b]) => O.sub(t, a, b),
      ref: ([a, b]) => tf.sub(a, b),
    },
    'mul [3,4] · [3,1]': {
      shapes: [
        [3, 4],
        [3, 1],
      ],
      onnx: (t, [a, b]) => O.mul(t, a, b),
      ref: ([a, b]) => tf.mul(a, b),
    },
    'div [3,4] / [4] (denominator kept away from 0)': {
      shapes: [[3, 4], [4]],
      values: (i, n) => (i === 1 ? Float32Array.from(randn(n, 5), (x) => 1.5 + x) : randn(n, 6)),
      onnx: (t, [a, b]) => O.div(t, a, b),
      ref: ([a, b]) => tf.div(a, b),
    },
    'matmul [2,3,5] @ weight [5,4] (Gemm gradients)': {
      shapes: [
        [2, 3, 5],
        [5, 4],
      ],
      onnx: (t, [a, b]) => O.matmul(t, a, b),
      ref: ([a, b]) => tf.matMul(tf.reshape(a, [6, 5]), b).reshape([2, 3, 4]),
    },
    'matmul 2-D [3,5] @ [5,4]': {
      shapes: [
        [3, 5],
        [5, 4],
      ],
      onnx: (t, [a, b]) => O.matmul(t, a, b),
      ref: ([a, b]) => tf.matMul(a, b),
    },
    'batched matmul [2,3,4,5] @ [2,3,5,4]': {
      shapes: [
        [2, 3, 4, 5],
        [2, 3, 5, 4],
      ],
      onnx: (t, [a, b]) => O.matmul(t, a, b),
      ref: ([a, b]) => tf.matMul(a, b),
    },
    'transpose [2,3,4] by [2,0,1]': {
      shapes: [[2, 3, 4]],
      onnx: (t, [a]) => O.transpose(t, a, [2, 0, 1]),
      ref: ([a]) => tf.transpose(a, [2, 0, 1]),
    },
    'reshape [2,3,4] -> [0,0,2,2]': {
      shapes: [[2, 3, 4]],
      onnx: (t, [a]) => O.reshape(t, a, [0, 0, 2, 2], [2, 3, 2, 2]),
      ref: ([a]) => tf.reshape(a, [2, 3, 2, 2]),
    },
    'unsqueeze [2,3] at -1': {
      shapes: [[2, 3]],
      onnx: (t, [a]) => O.unsqueeze(t, a, [-1]),
      ref: ([a]) => tf.expandDims(a, -1),
    },
    'slice axis 1 [0:1] of [2,5,3]': {
      shapes: [[2, 5, 3]],
      onnx: (t, [a]) => O.slice(t, a, 1, 0, 1),
      ref: ([a]) => tf.slice(a, [0, 0, 0], [2, 1, 3]),
    },
    'reduceSum over [1] keepdims / reduceMean over [0]': {
      shapes: [[3, 4, 2]],
      onnx: (t, [a]) => O.reduceMean(t, O.reduceSum(t, a, [1], true), [0]),
      ref: ([a]) => tf.mean(tf.sum(a, 1, true), 0),
    },
    'softmax over the last axis': {
      shapes: [[2, 3, 5]],
      onnx: (t, [a]) => O.softmax(t, O.scale(t, a, 3)),
      ref: ([a]) => tf.softmax(tf.mul(a, 3)),
    },
    'logSoftmax over the last axis': {
      shapes: [[4, 6]],
      onnx: (t, [a]) => O.logSoftmax(t, O.scale(t, a, 2)),
      ref: ([a]) => tf.logSoftmax(tf.mul(a, 2)),
    },
    'erf GELU': {
      shapes: [[3, 7]],
      values: (_, n) => randn(n, 11, 3),
      onnx: (t, [a]) => O.gelu(t, a),
      ref: ([a]) => tf.mul(tf.mul(a, 0.5), tf.add(1, tf.erf(tf.div(a, Math.SQRT2)))),
    },
    'tanh-approximated GELU (gelu_new)': {
      shapes: [[3, 7]],
      values: (_, n) => randn(n, 14, 3),
      onnx: (t, [a]) => O.geluTanh(t, a),
      ref: ([a]) =>
        tf.mul(
          tf.mul(a, 0.5),
          tf.add(1, tf.tanh(tf.mul(tf.add(a, tf.mul(tf.pow(a, 3), 0.044715)), Math.sqrt(2 / Math.PI)))),
        ),
    },
    'tanh, exp, log, sqrt': {
      shapes: [[3, 4]],
      values: (_, n) => Float32Array.from(randn(n, 12), (x) => 1.2 + x),
      onnx: (t, [a]) => O.add(t, O.add(t, O.tanh(t, a), O.exp(t, a)), O.mul(t, O.log(t, a), O.sqrt(t, a))),
      ref: ([a]) => tf.add(tf.add(tf.tanh(a), tf.exp(a)), tf.mul(tf.log(a), tf.sqrt(a))),
    },
    'clampMin at 0.1': {
      shapes: [[5, 4]],
      onnx: (t, [a]) => O.clampMin(t, a, 0.1),
      ref: ([a]) => tf.maximum(a, 0.1),
    },
    neg: {
      shapes: [[3]],
      onnx: (t, [a]) => O.neg(t, a),
      ref: ([a]) => tf.neg(a),
    },
    'layerNorm (x, gamma, beta)': {
      shapes: [[2, 3, 8], [8], [8]],
      onnx: (t, [x, g, b]) => O.layerNorm(t, x, g, b, 1e-6),
      ref: ([x, g, b]) => {
        const m = tf.mean(x, -1, true);
        const c = tf.sub(x, m);
        const r = tf.rsqrt(tf.add(tf.mean(tf.square(c), -1, true), 1e-6));
        return tf.add(tf.mul(tf.mul(c, r), g), b);
      },
    },
    'log(1 + Σ exp z) (CoSENT)': {
      shapes: [[4, 4]],
      values: (_, n) => randn(n, 13, 5),
      onnx: (t, [z]) => O.log1pSumExp(t, z),
      ref: ([z]) => tf.logSumExp(tf.concat([tf.reshape(z, [-1]), tf.zeros([1])])),
    },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(name, async () => {
      expect(await check(c)).toBeLessThan(1e-4);
    });
  }

  it('gather: the table gradient sums the rows of repeated ids (ScatterND add)', async () => {
    const t = new GradTape({ opset: 17 });
    const table = t.param('table', [5, 3]);
    const ids = t.input('ids', ['batch', 4], OnnxDataType.INT64);
    const y = O.gather(t, table, ids);
    const cot = t.input('cot', ['batch', 4, 3]);
    const loss = O.reduceSum(t, O.mul(t, y, cot), [0, 1, 2]);
    t.output(loss, 'loss');
    t.output(t.gradients(loss, [table]).get('table')!, 'grad');
    const { ort } = loadOrt();
    const s = await ort.InferenceSession.create(t.g.serialize());
    const idv = [0, 2, 2, 4, 1, 2, 0, 0];
    const cotv = randn(24, 3);
    const out = await s.run({
      table: new ort.Tensor('float32', randn(15, 4), [5, 3]),
      ids: new ort.Tensor('int64', BigInt64Array.from(idv.map(BigInt)), [2, 4]),
      cot: new ort.Tensor('float32', cotv, [2, 4, 3]),
    });
    // Hand-worked: row r of the gradient = Σ of the cotangent rows at the positions holding id r.
    const want = new Float32Array(15);
    idv.forEach((id, p) => {
      for (let j = 0; j < 3; j++) want[id * 3 + j] += cotv[p * 3 + j];
    });
    const got = out.grad.data as Float32Array;
    for (let j = 0; j < 15; j++) expect(got[j]).toBeCloseTo(want[j], 6);
    expect(Array.from(got.slice(9, 12))).toEqual([0, 0, 0]); // id 3 never appears
  });

  it('a composite (attention-like, symbolic batch) agrees with central finite differences', async () => {
    const t = new GradTape({ opset: 17 });
    const x = t.param('x', [2, 3, 4]);
    const w = t.param('w', [4, 4]);
    const h = O.matmul(t, x, w);
    const s = O.softmax(t, O.matmul(t, h, O.transpose(t, h, [0, 2, 1])));
    const y = O.gelu(t, O.matmul(t, s, h));
    const loss = O.reduceMean(t, O.mul(t, y, y), [0, 1, 2]);
    t.output(loss, 'loss');
    const grads = t.gradients(loss, [x, w]);
    t.output(grads.get('x')!, 'gx');
    t.output(grads.get('w')!, 'gw');
    const { ort } = loadOrt();
    const sess = await ort.InferenceSession.create(t.g.serialize());
    const xv = randn(24, 21);
    const wv = randn(16, 22);
    const run = async (xd: Float32Array) =>
      sess.run({ x: new ort.Tensor('float32', xd, [2, 3, 4]), w: new ort.Tensor('float32', wv, [4, 4]) });
    const base = await run(xv);
    const gx = base.gx.data as Float32Array;
    const dir = randn(24, 23);
    const eps = 1e-2;
    const lossAt = async (sign: number) =>
      ((await run(Float32Array.from(xv, (a, i) => a + sign * eps * dir[i]))).loss.data as Float32Array)[0];
    const fd = ((await lossAt(1)) - (await lossAt(-1))) / (2 * eps);
    const analytic = gx.reduce((acc, g, i) => acc + g * dir[i], 0);
    expect(Math.abs(fd - analytic) / Math.abs(analytic)).toBeLessThan(2e-2);
  });
});
