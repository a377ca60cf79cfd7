// The ONNX training graph against the tfjs engine on the shared fixture BERT (fixtures/bert), dropout off:
// for each train-matching head the loss and every parameter gradient equal tfjs's (tf.variableGrads through
// our tfjs layers and core's losses) within 1e-4 relative to the tensor's largest value; one AdamW step's
// weights equal the tfjs adamW step's within 1e-5; micro-batch accumulation equals the whole batch.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  adamW,
  cosentLoss,
  crossEntropy,
  inBatchContrastiveLoss,
  l2Normalize,
  loadOrt,
  maskedMean,
  OnnxTrainLoop,
  type OrtTensorLike,
  withSeededRandom,
} from '@bert4tfjs/core';
import {
  buildTrainingGraph,
  buildTransformerModel,
  findWeight,
  type TrainGraphSpec,
  type TransformerModel,
} from '../src/index.ts';
import { fixturePath } from '../../../test/helpers/paths.ts';
import { prng } from '../../../test/helpers/random.ts';

const SMOOTHING = 0.1;
const SCALE = 20;

interface Side {
  ids: number[][];
  types: number[][];
  mask: number[][];
}

function side(seed: number, lens: number[], width: number): Side {
  const r = prng(seed);
  const ids = lens.map((n) => Array.from({ length: width }, (_, t) => (t < n ? 1 + Math.floor(r() * 299) : 0)));
  const types = lens.map((n) => Array.from({ length: width }, (_, t) => (t < n && t >= n / 2 ? 1 : 0)));
  const mask = lens.map((n) => Array.from({ length: width }, (_, t) => (t < n ? 1 : 0)));
  return { ids, types, mask };
}

function build(numLabels: number | null, family = 'bert'): TransformerModel {
  // The fresh classifier head draws from Math.random: seeded, so every run checks the same weights.
  return withSeededRandom(11, () =>
    buildTransformerModel({
      configPath: fixturePath(family, 'config.json'),
      checkpointPath: fixturePath(family, 'model.safetensors'),
      numLabels,
      // The pre-training heads (RoBERTa's lm_head, ELECTRA's discriminator head) are not trained here.
      allowUnused: family !== 'bert' && family !== 'albert',
    }),
  );
}

/** tfjs inputs of a side, in the model's input order. */
function tfFeeds(built: TransformerModel, s: Side): tf.Tensor[] {
  const by: Record<string, tf.Tensor> = {
    input_ids: tf.tensor2d(s.ids, undefined, 'int32'),
    token_type_ids: tf.tensor2d(s.types, undefined, 'int32'),
    attention_mask: tf.tensor2d(s.mask, undefined, 'float32'),
  };
  return built.inputNames.map((n) => by[n]);
}

function ortFeeds(prefix: string, s: Side): Record<string, OrtTensorLike> {
  const { ort } = loadOrt();
  const dims = [s.ids.length, s.ids[0].length];
  const i64 = (rows: number[][]) => new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), dims);
  return {
    [`${prefix}input_ids`]: i64(s.ids),
    [`${prefix}token_type_ids`]: i64(s.types),
    [`${prefix}attention_mask`]: new ort.Tensor('float32', Float32Array.from(s.mask.flat()), dims),
  };
}

/** rank_bias[i][j] = 0 where label_i > label_j, else −1e30. */
function rankBias(labels: number[]): Float32Array {
  const n = labels.length;
  return Float32Array.from({ length: n * n }, (_, k) => (labels[Math.floor(k / n)] > labels[k % n] ? 0 : -1e30));
}

interface Case {
  numLabels: number | null;
  /** Fixture family (default bert). */
  family?: string;
  spec: TrainGraphSpec;
  feeds: () => Record<string, OrtTensorLike>;
  tfLoss: (built: TransformerModel) => tf.Scalar;
}

const A = side(1, [7, 4, 6, 2], 7);
const B = side(2, [5, 7, 3, 6], 7);
// RoBERTa: one segment (type_vocab_size 1) and padding id 1, which its positions skip (counted from pad + 1).
const robertaSide = (s: Side): Side => ({
  ids: s.ids.map((r, i) => r.map((x, t) => (s.mask[i][t] ? x : 1))),
  types: s.types.map((r) => r.map(() => 0)),
  mask: s.mask,
});
const RA = robertaSide(A);
const RB = robertaSide(B);
const LABELS = [1, 0, 1, 0];
const GRADED = [0.2, 3.5, 1.0, 4.8];

function lastHidden(built: TransformerModel, s: Side): tf.Tensor {
  const out = built.model.apply(tfFeeds(built, s), { training: false }) as tf.Tensor | tf.Tensor[];
  return Array.isArray(out) ? out[built.outputNames.indexOf('last_hidden_state')] : out;
}

function logits(built: TransformerModel, s: Side): tf.Tensor {
  const out = built.model.apply(tfFeeds(built, s), { training: false }) as tf.Tensor[];
  return out[built.outputNames.indexOf('logits')];
}

const CASES: Record<string, Case> = {
  'cross-encoder, softmax CE with label smoothing 0.1': {
    numLabels: 2,
    spec: { objective: 'cross-encoder', crossEncoderLoss: 'ce' },
    feeds: () => {
      const { ort } = loadOrt();
      const t = LABELS.flatMap((y) => [0, 1].map((c) => (c === y ? 1 - SMOOTHING : 0) + SMOOTHING / 2));
      return { ...ortFeeds('', A), targets: new ort.Tensor('float32', Float32Array.from(t), [LABELS.length, 2]) };
    },
    tfLoss: (built) =>
      crossEntropy(tf.tensor1d(LABELS, 'int32'), logits(built, A), { sparse: true, labelSmoothing: SMOOTHING }),
  },
  'cross-encoder, MSE on a regression head': {
    numLabels: 1,
    spec: { objective: 'cross-encoder', crossEncoderLoss: 'mse' },
    feeds: () => {
      const { ort } = loadOrt();
      return { ...ortFeeds('', A), labels: new ort.Tensor('float32', Float32Array.from(GRADED), [4]) };
    },
    tfLoss: (built) => tf.mean(tf.square(tf.sub(tf.reshape(logits(built, A), [-1]), tf.tensor1d(GRADED)))) as tf.Scalar,
  },
  'cross-encoder, CoSENT over the pair score (logit 1 − logit 0)': {
    numLabels: 2,
    spec: { objective: 'cross-encoder', crossEncoderLoss: 'cosent' },
    feeds: () => {
      const { ort } = loadOrt();
      return { ...ortFeeds('', A), rank_bias: new ort.Tensor('float32', rankBias(GRADED), [4, 4]) };
    },
    tfLoss: (built) => {
      const z = logits(built, A);
      const margin = tf.sub(tf.slice(z, [0, 1], [-1, 1]), tf.slice(z, [0, 0], [-1, 1])).reshape([-1]);
      return cosentLoss(tf.tensor1d(GRADED), margin, { scale: 1 });
    },
  },
  'cross-encoder-cosent: CoSENT (scale 1) over a one-unit head': {
    numLabels: 1,
    spec: { objective: 'cross-encoder', crossEncoderLoss: 'cosent' },
    feeds: () => {
      const { ort } = loadOrt();
      return { ...ortFeeds('', A), rank_bias: new ort.Tensor('float32', rankBias(GRADED), [4, 4]) };
    },
    tfLoss: (built) => cosentLoss(tf.tensor1d(GRADED), tf.reshape(logits(built, A), [-1]), { scale: 1 }),
  },
  'bi-encoder, mean pooling + CoSENT': {
    numLabels: null,
    spec: { objective: 'cosent', scale: SCALE },
    feeds: () => {
      const { ort } = loadOrt();
      return {
        ...ortFeeds('a_', A),
        ...ortFeeds('b_', B),
        rank_bias: new ort.Tensor('float32', rankBias(GRADED), [4, 4]),
      };
    },
    tfLoss: (built) => {
      const a = maskedMean(lastHidden(built, A), tf.tensor2d(A.mask));
      const b = maskedMean(lastHidden(built, B), tf.tensor2d(B.mask));
      return cosentLoss(tf.tensor1d(GRADED), tf.sum(tf.mul(l2Normalize(a), l2Normalize(b)), -1), { scale: SCALE });
    },
  },
  'bi-encoder, in-batch contrastive': {
    numLabels: null,
    spec: { objective: 'contrastive', scale: SCALE },
    feeds: () => ({ ...ortFeeds('a_', A), ...ortFeeds('b_', B) }),
    tfLoss: (built) => {
      const a = maskedMean(lastHidden(built, A), tf.tensor2d(A.mask));
      const b = maskedMean(lastHidden(built, B), tf.tensor2d(B.mask));
      return inBatchContrastiveLoss(a, b, { scale: SCALE });
    },
  },
  'ALBERT (one shared layer applied twice, gelu_new), bi-encoder in-batch contrastive': {
    numLabels: null,
    family: 'albert',
    spec: { objective: 'contrastive', scale: SCALE },
    feeds: () => ({ ...ortFeeds('a_', A), ...ortFeeds('b_', B) }),
    tfLoss: (built) => {
      const a = maskedMean(lastHidden(built, A), tf.tensor2d(A.mask));
      const b = maskedMean(lastHidden(built, B), tf.tensor2d(B.mask));
      return inBatchContrastiveLoss(a, b, { scale: SCALE });
    },
  },
  'RoBERTa (Hugging Face layout, positions past the padding id), bi-encoder in-batch contrastive': {
    numLabels: null,
    family: 'roberta',
    spec: { objective: 'contrastive', scale: SCALE },
    feeds: () => ({ ...ortFeeds('a_', RA), ...ortFeeds('b_', RB) }),
    tfLoss: (built) => {
      const a = maskedMean(lastHidden(built, RA), tf.tensor2d(RA.mask));
      const b = maskedMean(lastHidden(built, RB), tf.tensor2d(RB.mask));
      return inBatchContrastiveLoss(a, b, { scale: SCALE });
    },
  },
  'ELECTRA discriminator (E -> H projection), bi-encoder in-batch contrastive': {
    numLabels: null,
    family: 'electra',
    spec: { objective: 'contrastive', scale: SCALE },
    feeds: () => ({ ...ortFeeds('a_', A), ...ortFeeds('b_', B) }),
    tfLoss: (built) => {
      const a = maskedMean(lastHidden(built, A), tf.tensor2d(A.mask));
      const b = maskedMean(lastHidden(built, B), tf.tensor2d(B.mask));
      return inBatchContrastiveLoss(a, b, { scale: SCALE });
    },
  },
};

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** The tfjs variable of each graph parameter (graph layout = the tfjs kernel layout). */
function variablesByParam(built: TransformerModel): Map<string, tf.LayerVariable> {
  const out = new Map<string, tf.LayerVariable>();
  for (const m of built.weightMap) out.set(m.source, findWeight(built.model, m.layer, m.weight));
  return out;
}

function relErr(got: Float32Array, want: Float32Array | Int32Array | Uint8Array, floor: number): number {
  let scale = floor;
  let worst = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  return worst / scale;
}

describe('ONNX training graph = tfjs engine on fixtures/bert, albert, roberta, electra (dropout off)', () => {
  for (const [name, c] of Object.entries(CASES)) {
    it(`${name}: loss and every parameter gradient within 1e-4`, async () => {
      const built = build(c.numLabels, c.family);
      const graph = buildTrainingGraph(built, { ...c.spec, mode: 'grads', dropout: false });
      expect(graph.dropout).toEqual([]);
      const { ort } = loadOrt();
      const session = await ort.InferenceSession.create(graph.bytes);
      const feeds: Record<string, OrtTensorLike> = {
        ...c.feeds(),
        grad_weight: new ort.Tensor('float32', Float32Array.of(1), []),
      };
      for (const p of graph.params) {
        feeds[p.name] = new ort.Tensor('float32', p.data, p.shape);
        feeds[`${p.name}::acc`] = new ort.Tensor('float32', new Float32Array(p.data.length), p.shape);
      }
      const out = await session.run(feeds);
      const vars = variablesByParam(built);
      const used = graph.params.map((p) => vars.get(p.name)!);
      const { value, grads } = tf.variableGrads(
        () => c.tfLoss(built),
        used.map((v) => v.read() as tf.Variable),
      );
      expect((out.loss.data as Float32Array)[0]).toBeCloseTo(value.dataSync()[0], 5);
      // Relative to the tensor's largest value. The key biases (softmax ignores a per-query shift) and, under
      // CoSENT over the pair score, the classifier bias (CoSENT ignores a shift of every score) have gradient
      // exactly 0 analytically: both engines must return only float noise there (< 1e-6 of the largest gradient).
      let globalMax = 0;
      for (const g of Object.values(grads)) for (const x of g.dataSync()) globalMax = Math.max(globalMax, Math.abs(x));
      const zero = c.spec.crossEncoderLoss === 'cosent' ? /key\.bias|^classifier\.bias/ : /key\.bias/;
      let worst = { name: '', err: 0 };
      let zeros = 0;
      for (const p of graph.params) {
        const want = grads[(vars.get(p.name)!.read() as tf.Variable).name];
        expect(want, p.name).toBeDefined();
        const got = out[`${p.name}::acc_new`].data as Float32Array;
        if (zero.test(p.name)) {
          zeros++;
          for (const x of [...got, ...want.dataSync()]) expect(Math.abs(x)).toBeLessThan(1e-6 * globalMax);
          continue;
        }
        const err = relErr(got, want.dataSync(), 1e-6 * globalMax);
        if (err >= worst.err) worst = { name: p.name, err };
      }
      expect(zeros).toBeGreaterThanOrEqual(1);
      console.log(
        `${name}: loss ${value.dataSync()[0].toFixed(6)}, ${graph.params.length} gradients, worst ${worst.name} ${worst.err.toExponential(2)}`,
      );
      expect(worst.err).toBeLessThan(1e-4);
      // Every tfjs variable with a gradient is a graph parameter (nothing trained by tfjs is missed).
      expect(Object.keys(grads).length).toBe(graph.params.length);
      tf.dispose([value, ...Object.values(grads)]);
    });
  }

  it('one AdamW step (fused step graph) equals the tfjs adamW step within 1e-5, exclusions included', async () => {
    const c = CASES['cross-encoder, softmax CE with label smoothing 0.1'];
    const built = build(2);
    const graph = buildTrainingGraph(built, { ...c.spec, dropout: false, optimizer: { weightDecay: 0.1 } });
    const { ort } = loadOrt();
    const loop = await OnnxTrainLoop.open(ort, { step: graph.bytes }, graph.params);
    const res = await loop.trainStep([{ feeds: c.feeds(), weight: 1 }], 1e-3);
    expect(res.bytesOut).toBeGreaterThan(0);
    const vars = variablesByParam(built);
    // The same exclusions on the tfjs side: the variables whose Hugging Face name holds LayerNorm or bias.
    const excluded = graph.params
      .filter((p) => /LayerNorm|bias/.test(p.name))
      .map((p) => (vars.get(p.name)!.read() as tf.Variable).name);
    expect(excluded.length).toBeGreaterThan(5);
    const record = Object.fromEntries(
      graph.params.map((p) => [
        (vars.get(p.name)!.read() as tf.Variable).name,
        vars.get(p.name)!.read() as tf.Variable,
      ]),
    );
    const opt = adamW({
      learningRate: 1e-3,
      weightDecay: 0.1,
      excludeFromWeightDecay: excluded.map((n) => new RegExp(`^${n.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`)),
    });
    const { value, grads } = tf.variableGrads(() => c.tfLoss(built), Object.values(record));
    expect(res.loss).toBeCloseTo(value.dataSync()[0], 5);
    opt.applyGradients(grads, record);
    let worst = 0;
    for (const p of graph.params) {
      const got = loop.weights().get(p.name)!;
      const want = vars.get(p.name)!.read().dataSync();
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
    }
    console.log(`one AdamW step: worst |Δw| ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-5);
    // The step did move the weights (a no-op graph would pass the comparison against untouched tfjs weights otherwise).
    const moved = graph.params.some((p) => p.data.some((x, i) => x !== loop.weights().get(p.name)![i]));
    expect(moved).toBe(true);
    tf.dispose([value, ...Object.values(grads)]);
    opt.dispose();
  });

  it('two micro-batches (grads + apply graphs) give the whole batch step', async () => {
    const spec: TrainGraphSpec = { objective: 'cross-encoder', crossEncoderLoss: 'mse', dropout: false };
    const reg = build(1);
    const whole = buildTrainingGraph(reg, spec);
    const grads = buildTrainingGraph(reg, { ...spec, mode: 'grads' });
    const apply = buildTrainingGraph(reg, { ...spec, mode: 'apply' });
    const { ort } = loadOrt();
    const one = await OnnxTrainLoop.open(ort, { step: whole.bytes }, whole.params);
    const acc = await OnnxTrainLoop.open(ort, { grads: grads.bytes, apply: apply.bytes }, grads.params);
    const half = (rows: number[], s: Side, labels: number[]) => {
      const pick = {
        ids: rows.map((r) => s.ids[r]),
        types: rows.map((r) => s.types[r]),
        mask: rows.map((r) => s.mask[r]),
      };
      return {
        ...ortFeeds('', pick),
        labels: new ort.Tensor('float32', Float32Array.from(rows.map((r) => labels[r])), [rows.length]),
      };
    };
    const a = await one.trainStep([{ feeds: half([0, 1, 2, 3], A, GRADED), weight: 1 }], 1e-3);
    const b = await acc.trainStep(
      [
        { feeds: half([0, 1, 2], A, GRADED), weight: 0.75 },
        { feeds: half([3], A, GRADED), weight: 0.25 },
      ],
      1e-3,
    );
    expect(b.loss).toBeCloseTo(a.loss, 5);
    expect(b.gradNorm).toBeCloseTo(a.gradNorm, 4);
    let worst = 0;
    for (const p of whole.params) {
      const x = one.weights().get(p.name)!;
      const y = acc.weights().get(p.name)!;
      for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]));
    }
    expect(worst).toBeLessThan(1e-5);
  });
  it('a non-finite step leaves weights, moments and accumulators as they were (they are written in place)', async () => {
    const spec: TrainGraphSpec = { objective: 'cross-encoder', crossEncoderLoss: 'mse', dropout: false };
    const reg = build(1);
    const whole = buildTrainingGraph(reg, spec);
    const grads = buildTrainingGraph(reg, { ...spec, mode: 'grads' });
    const apply = buildTrainingGraph(reg, { ...spec, mode: 'apply' });
    reg.model.dispose();
    const { ort } = loadOrt();
    const feeds = (labels: number[]) => ({
      ...ortFeeds('', A),
      labels: new ort.Tensor('float32', Float32Array.from(labels), [labels.length]),
    });
    const snapshot = (loop: OnnxTrainLoop) => {
      const st = loop.getState();
      const copy = (m: ReadonlyMap<string, Float32Array>) => [...m].map(([k, a]) => [k, Float32Array.from(a)] as const);
      return { step: st.step, w: copy(loop.weights()), m: copy(st.m), v: copy(st.v) };
    };
    const same = (a: ReturnType<typeof snapshot>, b: ReturnType<typeof snapshot>) => {
      expect(b.step).toBe(a.step);
      for (const part of ['w', 'm', 'v'] as const)
        a[part].forEach(([k, x], i) => {
          expect(b[part][i][0]).toBe(k);
          expect(Array.from(b[part][i][1]), `${part} of ${k}`).toEqual(Array.from(x));
        });
    };
    const bad = [Number.NaN, 1, 2, 3];
    // The fused step graph, after one good step (so the moments are not zero).
    const one = await OnnxTrainLoop.open(ort, { step: whole.bytes }, whole.params);
    await one.trainStep([{ feeds: feeds(GRADED), weight: 1 }], 1e-3);
    const before = snapshot(one);
    const r = await one.trainStep([{ feeds: feeds(bad), weight: 1 }], 1e-3);
    expect(Number.isFinite(r.loss)).toBe(false);
    same(before, snapshot(one));
    // grads + apply: a non-finite micro-batch adds nothing; non-finite accumulators change nothing.
    const acc = await OnnxTrainLoop.open(ort, { grads: grads.bytes, apply: apply.bytes }, grads.params);
    await acc.trainStep([{ feeds: feeds(GRADED), weight: 1 }], 1e-3);
    acc.resetAccumulators();
    await acc.accumulate(feeds(GRADED), 0.5);
    const summed = [...acc.accumulators()].map(([k, a]) => [k, Float32Array.from(a)] as const);
    expect(summed.some(([, a]) => a.some((x) => x !== 0))).toBe(true);
    const nan = await acc.accumulate(feeds(bad), 0.5);
    expect(Number.isFinite(nan.loss)).toBe(false);
    for (const [k, a] of summed) expect(Array.from(acc.accumulators().get(k)!), k).toEqual(Array.from(a));
    const state = snapshot(acc);
    acc.setAccumulators(new Map(summed.map(([k, a]) => [k, a.map(() => Number.NaN)])));
    const applied = await acc.applyAccumulated(1e-3);
    expect(Number.isFinite(applied.gradNorm)).toBe(false);
    same(state, snapshot(acc));
    await one.dispose();
    await acc.dispose();
  });

  it('a model with conditional layer norm is refused by name (the graph has no condition input)', () => {
    const built = buildTransformerModel({
      configPath: fixturePath('bert', 'config.json'),
      checkpointPath: fixturePath('bert', 'model.safetensors'),
      numLabels: 2,
      layerNormCond: { size: 4 },
    });
    try {
      expect(() => buildTrainingGraph(built, { objective: 'cross-encoder' })).toThrow(
        /^ONNX training engine: models with conditional layer normalization \(a `condition` input\) are not supported/,
      );
    } finally {
      built.model.dispose();
    }
  });
});
