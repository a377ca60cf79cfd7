// Training on wasm is sound: the gradient of an MLM + NSP loss on the fixture BERT (fixtures/bert) with
// respect to EVERY trainable weight is computed on the wasm backend and on the cpu backend, and they agree
// (relative to each weight's gradient norm). That proves (a) every op on the path, the embedding lookup
// included, has a gradient wasm can run, and (b) the numbers match. A spy on the matmul kernels proves
// no transpose-flag matmul (20x slower on wasm) runs, forward or backward. Dropout is off (inference mode)
// so both backends compute the same function.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ConditionalLayerNormalization,
  ConditionalRandomField,
  crossEntropy,
  Dense,
  EfficientGlobalPointer,
  GlobalPointer,
  globalPointerLoss,
  initBackend,
  MaskedPooling,
  MultiSampleDropout,
} from '@bert4tfjs/core';
import { buildTransformerModel, type TransformerModel } from '@bert4tfjs/models';
import type * as TfModule from '../packages/core/node_modules/@tensorflow/tfjs/dist/index.d.ts';
import { fixturePath, REPO_ROOT } from './helpers/paths.ts';

// tfjs is a dependency of @bert4tfjs/core, not of the repo root: load the copy core itself resolves.
const tfMain = createRequire(join(REPO_ROOT, 'packages', 'core', 'package.json')).resolve('@tensorflow/tfjs');
const tf = (await import(pathToFileURL(tfMain).href)) as typeof TfModule;

/**
 * Max over weights of ‖g_wasm − g_cpu‖₂ / max(‖g_cpu‖₂, FLOOR·‖g_cpu, all weights‖₂). Float32 summation order
 * differs between backends. The floor matters only for the attention key biases, whose exact gradient is 0
 * (softmax ignores a shift shared by all keys of a query), so both backends return rounding noise there.
 */
const REL_TOL = 1e-4;
const FLOOR = 1e-3;
const isKeyBias = (name: string) => name.endsWith('MultiHeadSelfAttention/k_bias');
const MATMUL_KERNELS = ['BatchMatMul', '_FusedMatMul'];

delete process.env.BERT4TFJS_BACKEND;
delete process.env.BERT4TFJS_THREADS;

const inputs = JSON.parse(readFileSync(fixturePath('bert', 'inputs.json'), 'utf8'));

interface MatMulCall {
  kernel: string;
  transposeA: boolean;
  transposeB: boolean;
}

/** Wraps the matmul kernels of `backend` to record their transpose attributes; `restore` puts them back. */
function spyMatMuls(backend: string): { calls: MatMulCall[]; restore: () => void } {
  const calls: MatMulCall[] = [];
  const originals = MATMUL_KERNELS.map((name) => tf.getKernel(name, backend)).filter((k) => k != null);
  for (const original of originals) {
    tf.unregisterKernel(original.kernelName, backend);
    tf.registerKernel({
      ...original,
      kernelFunc: (args) => {
        const attrs = args.attrs as { transposeA?: boolean; transposeB?: boolean };
        calls.push({
          kernel: original.kernelName,
          transposeA: attrs.transposeA === true,
          transposeB: attrs.transposeB === true,
        });
        return original.kernelFunc(args);
      },
    });
  }
  return {
    calls,
    restore: () =>
      originals.forEach((original) => {
        tf.unregisterKernel(original.kernelName, backend);
        tf.registerKernel(original);
      }),
  };
}

/**
 * MLM cross-entropy at every position (labels = the input ids) + NSP cross-entropy. Unmasked: the masked
 * form of crossEntropy divides with tf.divNoNan, whose tfjs 4.22 gradient fails (no gradient for Equal).
 */
function loss(built: TransformerModel): TfModule.Scalar {
  return tf.tidy(() => {
    const mask = tf.tensor2d(inputs.attention_mask, undefined, 'float32');
    const ids = tf.tensor2d(inputs.input_ids, undefined, 'int32');
    const feeds = [ids, tf.tensor2d(inputs.token_type_ids, undefined, 'int32'), mask];
    const out = built.model.apply(feeds, { training: false }) as TfModule.Tensor[];
    const mlm = crossEntropy(ids, out[built.outputNames.indexOf('mlm_logits')]);
    const nspLabels = tf.tensor1d(
      inputs.input_ids.map((_: number[], i: number) => i % 2),
      'int32',
    );
    const nsp = crossEntropy(nspLabels, out[built.outputNames.indexOf('nsp_logits')]);
    return tf.add(mlm, nsp) as TfModule.Scalar;
  });
}

/** Gradients of the loss w.r.t. every trainable weight (by weight name) and the matmul calls made. */
function gradients(
  built: TransformerModel,
  backend: string,
): { grads: Map<string, Float32Array>; loss: number; calls: MatMulCall[] } {
  const spy = spyMatMuls(backend);
  try {
    const vars = built.model.trainableWeights.map((w) => w.read() as TfModule.Variable);
    const { value, grads } = tf.variableGrads(() => loss(built), vars);
    const out = new Map<string, Float32Array>();
    built.model.trainableWeights.forEach((w, i) => {
      const g = grads[vars[i].name];
      if (g) out.set(w.originalName, g.dataSync() as Float32Array);
    });
    const result = { grads: out, loss: value.dataSync()[0], calls: [...spy.calls] };
    tf.dispose([value, ...Object.values(grads)]);
    return result;
  } finally {
    spy.restore();
  }
}

function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

describe('gradients on wasm equal gradients on cpu (fixture BERT, all trainable weights)', () => {
  let built: TransformerModel;
  let cpu: ReturnType<typeof gradients>;
  let wasm: ReturnType<typeof gradients>;

  beforeAll(async () => {
    await initBackend({ backend: 'cpu', quiet: true });
    built = buildTransformerModel({
      configPath: fixturePath('bert', 'config.json'),
      checkpointPath: fixturePath('bert', 'model.safetensors'),
      withPool: true,
      withMlm: true,
      withNsp: true,
    });
    cpu = gradients(built, 'cpu');
    await initBackend({ backend: 'wasm', threads: 1, quiet: true });
    expect(tf.getBackend()).toBe('wasm');
    wasm = gradients(built, 'wasm');
  });

  it('the spy sees transpose flags when they are used (positive control)', () => {
    const spy = spyMatMuls(tf.getBackend());
    try {
      tf.tidy(() => tf.matMul(tf.ones([2, 3]), tf.ones([4, 3]), false, true));
    } finally {
      spy.restore();
    }
    expect(spy.calls).toEqual([{ kernel: 'BatchMatMul', transposeA: false, transposeB: true }]);
  });

  it('every trainable weight gets a finite, non-zero gradient on both backends', () => {
    const names = built.model.trainableWeights.map((w) => w.originalName);
    expect(names.length).toBeGreaterThan(30);
    for (const g of [cpu.grads, wasm.grads]) {
      expect([...g.keys()].sort()).toEqual([...names].sort());
      const total = norm(Float32Array.from([...g.values()].flatMap((v) => Array.from(v))));
      for (const [name, v] of g) {
        expect(v.every(Number.isFinite), name).toBe(true);
        // Key biases: exactly zero in exact arithmetic; every other weight moves the loss.
        if (isKeyBias(name)) expect(norm(v), name).toBeLessThan(1e-6 * total);
        else expect(norm(v), name).toBeGreaterThan(1e-6 * total);
      }
    }
  });

  it(`wasm and cpu gradients agree within ${REL_TOL} relative to each weight's gradient norm`, () => {
    expect(Math.abs(wasm.loss - cpu.loss)).toBeLessThan(1e-5 * Math.abs(cpu.loss));
    let worst = { name: '', rel: 0, maxAbs: 0 };
    let worstOther = worst;
    let maxAbsAll = 0;
    const total = norm(Float32Array.from([...cpu.grads.values()].flatMap((v) => Array.from(v))));
    for (const [name, c] of cpu.grads) {
      const w = wasm.grads.get(name)!;
      const diff = new Float32Array(c.length);
      let maxAbs = 0;
      for (let i = 0; i < c.length; i++) {
        diff[i] = w[i] - c[i];
        maxAbs = Math.max(maxAbs, Math.abs(diff[i]));
      }
      const rel = norm(diff) / Math.max(norm(c), FLOOR * total);
      if (rel > worst.rel) worst = { name, rel, maxAbs };
      if (!isKeyBias(name) && rel > worstOther.rel) worstOther = { name, rel, maxAbs };
      maxAbsAll = Math.max(maxAbsAll, maxAbs);
    }
    console.log(
      `wasm vs cpu over ${cpu.grads.size} weights (global gradient norm ${total.toExponential(2)}): ` +
        `worst relative gradient difference ${worst.rel.toExponential(2)} ` +
        `(${worst.name}); excluding key biases ${worstOther.rel.toExponential(2)} (${worstOther.name}); ` +
        `max |diff| of any gradient entry ${maxAbsAll.toExponential(2)}; loss ${cpu.loss.toFixed(6)} vs ${wasm.loss.toFixed(6)}`,
    );
    expect(worst.rel).toBeLessThan(REL_TOL);
  });

  it('no matmul with a transpose flag runs in forward + backward, on either backend', () => {
    for (const run of [cpu, wasm]) {
      expect(run.calls.length).toBeGreaterThan(20);
      expect(run.calls.filter((c) => c.transposeA || c.transposeB)).toEqual([]);
    }
    console.log(`matmul kernel calls: cpu ${cpu.calls.length}, wasm ${wasm.calls.length}, none with transpose flags`);
  });
});

describe('task layers: gradients on wasm equal gradients on cpu', () => {
  const B = 2,
    L = 6,
    D = 8,
    C = 3,
    T = 4;
  const spansOf = (heads: number) =>
    tf.tidy(() => {
      const gold = new Float32Array(B * heads * L * L);
      for (let b = 0; b < B; b++) for (let h = 0; h < heads; h++) gold[((b * heads + h) * L + h) * L + h + 1] = 1;
      return tf.tensor4d(gold, [B, heads, L, L]);
    });

  /** CLN -> GlobalPointer, EfficientGlobalPointer, CRF, multi-sample dropout head, pooling; one summed loss. */
  function taskModel(): { model: TfModule.LayersModel; crf: ConditionalRandomField } {
    const x = tf.input({ shape: [L, D] });
    const mask = tf.input({ shape: [L] });
    const cond = tf.input({ shape: [C] });
    const h = new ConditionalLayerNormalization({ hiddenUnits: 2, hiddenActivation: 'tanh' }).apply([
      x,
      cond,
    ]) as TfModule.SymbolicTensor;
    const crf = new ConditionalRandomField();
    const outputs = [
      new GlobalPointer({ heads: 2, headSize: 4 }).apply([h, mask]),
      new EfficientGlobalPointer({ heads: 3, headSize: 4 }).apply([h, mask]),
      crf.apply([new Dense({ units: T }).apply(h) as TfModule.SymbolicTensor, mask]),
      new MultiSampleDropout({ units: 2, samples: 3 }).apply(h),
      new MaskedPooling({ mode: 'mean' }).apply([h, mask]),
    ] as TfModule.SymbolicTensor[];
    const model = tf.model({ inputs: [x, mask, cond], outputs });
    tf.tidy(() =>
      model.setWeights(model.getWeights().map((w, i) => tf.randomUniform(w.shape, -0.5, 0.5, 'float32', 100 + i))),
    );
    return { model, crf };
  }

  function taskGradients(built: ReturnType<typeof taskModel>, backend: string) {
    const spy = spyMatMuls(backend);
    try {
      const vars = built.model.trainableWeights.map((w) => w.read() as TfModule.Variable);
      const { value, grads } = tf.variableGrads(
        () =>
          tf.tidy(() => {
            const mask = tf.tensor2d([
              [1, 1, 1, 1, 1, 1],
              [1, 1, 1, 1, 0, 0],
            ]);
            const feeds = [
              tf.randomNormal([B, L, D], 0, 1, 'float32', 1),
              mask,
              tf.randomNormal([B, C], 0, 1, 'float32', 2),
            ];
            const [gp, egp, tags, msd, pooled] = built.model.apply(feeds, { training: false }) as TfModule.Tensor[];
            const gold = tf.tensor2d(
              [
                [0, 1, 2, 3, 0, 1],
                [3, 2, 1, 0, 0, 0],
              ],
              undefined,
              'int32',
            );
            return tf.addN([
              globalPointerLoss(spansOf(2), gp),
              globalPointerLoss(spansOf(3), egp),
              built.crf.loss(gold, tags),
              tf.mean(tf.square(msd)),
              tf.mean(tf.square(pooled)),
            ]) as TfModule.Scalar;
          }),
        vars,
      );
      const out = built.model.trainableWeights.map((w, i) => ({
        name: w.originalName,
        g: grads[vars[i].name]?.dataSync() as Float32Array,
      }));
      tf.dispose([value, ...Object.values(grads)]);
      return { grads: out, calls: [...spy.calls] };
    } finally {
      spy.restore();
    }
  }

  it('every task-layer weight has a wasm gradient equal to cpu within REL_TOL, with no transpose-flag matmul', async () => {
    await initBackend({ backend: 'cpu', quiet: true });
    const built = taskModel();
    const cpu = taskGradients(built, 'cpu');
    await initBackend({ backend: 'wasm', threads: 1, quiet: true });
    const wasm = taskGradients(built, 'wasm');
    expect(cpu.grads.length).toBeGreaterThan(12);
    let worst = 0;
    cpu.grads.forEach(({ name, g }, i) => {
      const w = wasm.grads[i].g;
      expect(g && w, name).toBeTruthy();
      expect(norm(g), name).toBeGreaterThan(0);
      let d = 0;
      for (let k = 0; k < g.length; k++) d += (w[k] - g[k]) ** 2;
      worst = Math.max(worst, Math.sqrt(d) / norm(g));
    });
    console.log(
      `task layers: ${cpu.grads.length} weights, worst relative gradient difference wasm vs cpu ${worst.toExponential(2)}`,
    );
    expect(worst).toBeLessThan(REL_TOL);
    for (const run of [cpu, wasm]) expect(run.calls.filter((c) => c.transposeA || c.transposeB)).toEqual([]);
    built.model.dispose();
  });
});
