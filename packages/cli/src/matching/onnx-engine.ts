/**
 * The ONNX step engine of train-matching: the model's training-step graph (@bert4tfjs/models
 * `buildTrainingGraph`) run by onnxruntime-node under the same Trainer, schedule and checkpoints as the
 * tfjs engine. Dropout masks are drawn here from `seed` and the step number (so a resumed run draws the
 * same masks) and fed to the graph; the weights and Adam moments live in the engine between steps and
 * are written back into the tfjs model and optimizer whenever the Trainer evaluates or saves.
 */
import * as tf from '@tensorflow/tfjs';
import {
  Bert4tfjsError,
  type EngineStepResult,
  type GradientAccumulation,
  loadOrt,
  mulberry32,
  OnnxTrainLoop,
  type Optimizer,
  type OrtTensorLike,
  type TensorBatch,
  type TrainStepEngine,
  trainingSessionOptions,
} from '@bert4tfjs/core';
import {
  buildTrainingGraph,
  findWeight,
  type TrainGraph,
  type TrainGraphSpec,
  type TrainObjective,
  type TransformerModel,
} from '@bert4tfjs/models';
import type { LabelSchema } from '../data/matching-files.ts';
import type { MatchingObjective } from './encode.ts';

/** Options of {@link createOnnxStepEngine}. */
export interface OnnxEngineOptions {
  /** Dropout masks are drawn from this seed and the step number. */
  seed: number;
  /** Apply the config's dropout (default true); false trains the deterministic graph. */
  dropout?: boolean;
  /** onnxruntime intra-op threads (default: all cores). */
  threads?: number;
  /** Inverse temperature of the cosine losses (the tfjs objectives' COSINE_SCALE). */
  scale: number;
  /** Global-norm clipping threshold (the Trainer's clipNorm), or none. */
  clipNorm?: number | null;
  /** Cross-encoder label smoothing ε: targets (1 − ε)·onehot + ε/C. */
  labelSmoothing?: number;
}

interface AdamSettings {
  /** Batches per update (--grad-accum; 1: none). */
  accumulate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
  exclude: RegExp[];
}

/**
 * Adam / AdamW settings (under gradient accumulation, of the inner optimizer) from the optimizer's
 * config; other optimizers are refused by name.
 */
function adamSettings(optimizer: Optimizer): AdamSettings {
  const top = optimizer.getConfig() as Record<string, unknown>;
  const accumulate = top.kind === 'accumulation' ? Number(top.steps) : 1;
  const c = (top.kind === 'accumulation' ? top.inner : top) as Record<string, unknown>;
  const inner = (c.kind === 'weightDecay' ? c.inner : c) as Record<string, unknown>;
  if (inner.kind !== 'adam' || (inner.biasCorrection as boolean | undefined) === false)
    throw new Bert4tfjsError(
      `--engine onnx: the training graph has Adam / AdamW with bias correction; this run's optimizer is '${String(c.kind)}'`,
      'unsupported',
    );
  return {
    accumulate,
    beta1: Number(inner.beta1),
    beta2: Number(inner.beta2),
    epsilon: Number(inner.epsilon),
    weightDecay: c.kind === 'weightDecay' ? Number(c.rate) : 0,
    exclude: c.kind === 'weightDecay' ? (c.exclude as string[]).map((p) => new RegExp(p)) : [],
  };
}

/** int32 / float tensor values of a batch key as an onnxruntime tensor. */
function feed(ort: ReturnType<typeof loadOrt>['ort'], t: tf.Tensor, as: 'int64' | 'float32'): OrtTensorLike {
  const data = t.dataSync();
  return as === 'int64'
    ? new ort.Tensor(
        'int64',
        BigInt64Array.from(data as Int32Array, (x) => BigInt(x)),
        t.shape,
      )
    : new ort.Tensor('float32', Float32Array.from(data), t.shape);
}

/** rank_bias[i][j] = 0 where label_i > label_j, else −1e30 (the pairs CoSENT ranks). */
function rankBias(labels: ArrayLike<number>): Float32Array {
  const n = labels.length;
  return Float32Array.from({ length: n * n }, (_, k) => (labels[Math.floor(k / n)] > labels[k % n] ? 0 : -1e30));
}

/** The engine plus what the caller may report. */
export interface OnnxStepEngine extends TrainStepEngine {
  /** Nodes of the training graph (for the engine line). */
  graphNodes: number;
  /** Bytes onnxruntime returned to JavaScript in the last step. */
  lastBytesOut: number;
}

/**
 * Builds the training graph of `built` for `objective`, opens it in onnxruntime, and returns a step
 * engine bound to the Trainer's `trainable` variables (keyed as the Trainer keys them) and `optimizer`.
 */
export async function createOnnxStepEngine(
  built: TransformerModel,
  objective: MatchingObjective,
  schema: LabelSchema,
  trainable: ReadonlyMap<string, tf.Variable>,
  optimizer: Optimizer,
  o: OnnxEngineOptions,
): Promise<OnnxStepEngine> {
  const { ort, version } = loadOrt();
  const adam = adamSettings(optimizer);
  // The graph's parameters (Hugging Face names) and the Trainer's keys for the same variables.
  const keyOfVariable = new Map<tf.Variable, string>();
  for (const [k, v] of trainable) keyOfVariable.set(v, k);
  const keyOf = new Map<string, string>();
  const variableOf = new Map<string, tf.Variable>();
  for (const m of built.weightMap) {
    const v = findWeight(built.model, m.layer, m.weight).read() as tf.Variable;
    const key = keyOfVariable.get(v);
    if (key !== undefined) {
      keyOf.set(m.source, key);
      variableOf.set(m.source, v);
    }
  }
  const spec: TrainGraphSpec = {
    // The CoSENT cross-encoder is the cross-encoder graph with CoSENT over its one-unit score (scale 1, as tfjs).
    objective: (objective === 'cross-encoder-cosent' ? 'cross-encoder' : objective) as TrainObjective,
    crossEncoderLoss:
      objective === 'cross-encoder-cosent'
        ? 'cosent'
        : objective === 'cross-encoder'
          ? schema === 'binary'
            ? 'ce'
            : 'mse'
          : undefined,
    scale: o.scale,
    dropout: o.dropout ?? true,
    optimizer: {
      beta1: adam.beta1,
      beta2: adam.beta2,
      epsilon: adam.epsilon,
      weightDecay: adam.weightDecay,
      clipNorm: o.clipNorm ?? null,
      // The exclusions match the Trainer's variable keys, as the tfjs weight decay does.
      decays: (name) => !adam.exclude.some((p) => p.test(keyOf.get(name) ?? name)),
    },
  };
  // --grad-accum k: the 'grads' graph per batch (each batch's gradient clipped, as tfjs does, and
  // weighted 1/k), the 'apply' graph on every k-th; else the fused step graph.
  const k = adam.accumulate;
  const graph = buildTrainingGraph(built, { ...spec, mode: k > 1 ? 'grads' : 'step' });
  for (const p of graph.params)
    if (!keyOf.has(p.name))
      throw new Bert4tfjsError(
        `--engine onnx: graph parameter '${p.name}' is not a trainable weight of the model`,
        'bad-state',
      );
  const graphs =
    k > 1
      ? {
          grads: graph.bytes,
          apply: buildTrainingGraph(built, { ...spec, mode: 'apply', optimizer: { ...spec.optimizer, clipNorm: null } })
            .bytes,
        }
      : { step: graph.bytes };
  const loop = await OnnxTrainLoop.open(ort, graphs, graph.params, trainingSessionOptions(o.threads));
  // The loop holds its own copy of the weights: keep only names and shapes of the graph's (BERT-base:
  // 390 MiB less for the whole run).
  const params = graph.params.map((p) => ({ name: p.name, shape: p.shape, size: p.data.length }));
  const { inputs: graphInputs, dropout: dropoutSites, nodes: graphNodes } = graph;
  const accumulation = k > 1 ? (optimizer as GradientAccumulation) : null;
  const numLabels = objective === 'cross-encoder' && schema === 'binary' ? 2 : 0;
  const slotKind = 'adam';

  const dataFeeds = (batch: TensorBatch, step: number): Record<string, OrtTensorLike> => {
    const feeds: Record<string, OrtTensorLike> = {};
    const dims: Record<string, number> = {};
    for (const inp of graphInputs) {
      // Masks are drawn below; the micro-batch weight is the loop's own feed.
      if (inp.type === 'bool' || inp.name === 'grad_weight') continue;
      if (inp.name === 'targets') {
        const y = batch.labels.dataSync();
        const eps = o.labelSmoothing ?? 0;
        const t = new Float32Array(y.length * numLabels).fill(eps / numLabels);
        y.forEach((c, i) => {
          t[i * numLabels + c] += 1 - eps;
        });
        feeds.targets = new ort.Tensor('float32', t, [y.length, numLabels]);
      } else if (inp.name === 'labels') feeds.labels = feed(ort, batch.labels, 'float32');
      else if (inp.name === 'rank_bias') {
        const y = batch.labels.dataSync();
        feeds.rank_bias = new ort.Tensor('float32', rankBias(y), [y.length, y.length]);
      } else {
        const t = batch[inp.name];
        if (!t) throw new Bert4tfjsError(`--engine onnx: the batch has no '${inp.name}'`, 'bad-input');
        feeds[inp.name] = feed(ort, t, inp.type === 'int64' ? 'int64' : 'float32');
        inp.dims.forEach((d, i) => {
          if (typeof d === 'string') dims[d] = t.shape[i];
        });
      }
    }
    // Dropout: keep with probability 1 − rate, drawn from (seed, step) so a resumed run repeats the masks.
    const next = mulberry32((o.seed * 1_000_003 + step * 7919) >>> 0);
    for (const site of dropoutSites) {
      const shape = site.shape.map((d) => (typeof d === 'number' ? d : dims[d]));
      const n = shape.reduce((a, b) => a * b, 1);
      const keep = new Uint8Array(n);
      const threshold = site.rate * 4294967296;
      for (let i = 0; i < n; i++) keep[i] = next() >= threshold ? 1 : 0;
      feeds[site.name] = new ort.Tensor('bool', keep, shape);
    }
    return feeds;
  };

  const engine: OnnxStepEngine = {
    name: `onnxruntime-node ${version}`,
    graphNodes,
    lastBytesOut: 0,
    async step(batch: TensorBatch, lr: number, step: number): Promise<EngineStepResult> {
      if (!accumulation) {
        const r = await loop.trainStep([{ feeds: dataFeeds(batch, step), weight: 1 }], lr);
        engine.lastBytesOut = r.bytesOut;
        return { loss: r.loss, gradNorm: r.gradNorm, microBatches: 1 };
      }
      // The Trainer counts this batch on the accumulation optimizer after we return; the k-th applies.
      const r = await loop.accumulate(dataFeeds(batch, step), 1 / k);
      engine.lastBytesOut = r.bytesOut;
      if (!Number.isFinite(r.loss) || !Number.isFinite(r.gradNorm)) return { ...r, microBatches: 1 };
      if (accumulation.microSteps + 1 >= k) {
        const a = await loop.applyAccumulated(lr);
        engine.lastBytesOut += a.bytesOut;
        if (!Number.isFinite(a.gradNorm)) return { loss: r.loss, gradNorm: a.gradNorm, microBatches: 1 };
      }
      return { loss: r.loss, gradNorm: r.gradNorm, microBatches: 1 };
    },
    sync(): void {
      const w = loop.weights();
      // assign() copies: the source tensors are ours to free.
      tf.tidy(() => {
        for (const p of params) variableOf.get(p.name)!.assign(tf.tensor(w.get(p.name)!, p.shape));
      });
      const state = optimizer.getState();
      const s = loop.getState();
      for (const p of params) {
        const key = keyOf.get(p.name)!;
        for (const [slot, values] of [
          ['m', s.m],
          ['v', s.v],
        ] as const) {
          state.get(`${slotKind}/${slot}/${key}`)?.dispose();
          state.set(`${slotKind}/${slot}/${key}`, tf.tensor(values.get(p.name)!, p.shape));
        }
      }
      if (accumulation) {
        // tfjs keeps Σ g (divided by k when applied); the loop keeps Σ g / k.
        const acc = loop.accumulators();
        for (const p of params) {
          const key = `accumulation/grad/${keyOf.get(p.name)!}`;
          state.get(key)?.dispose();
          state.set(
            key,
            tf.tensor(
              acc.get(p.name)!.map((x) => x * k),
              p.shape,
            ),
          );
        }
      }
      optimizer.setState(state);
      tf.dispose([...state.values()]);
    },
    load(): void {
      const state = optimizer.getState();
      const weights = new Map<string, Float32Array>();
      const m = new Map<string, Float32Array>();
      const v = new Map<string, Float32Array>();
      for (const p of params) {
        const key = keyOf.get(p.name)!;
        weights.set(p.name, variableOf.get(p.name)!.dataSync() as Float32Array);
        const n = p.size;
        m.set(
          p.name,
          (state.get(`${slotKind}/m/${key}`)?.dataSync() as Float32Array | undefined) ?? new Float32Array(n),
        );
        v.set(
          p.name,
          (state.get(`${slotKind}/v/${key}`)?.dataSync() as Float32Array | undefined) ?? new Float32Array(n),
        );
      }
      loop.setState({ step: optimizer.iterations, m, v }, weights);
      if (accumulation) {
        const acc = new Map<string, Float32Array>();
        for (const p of params) {
          const saved = state.get(`accumulation/grad/${keyOf.get(p.name)!}`)?.dataSync() as Float32Array | undefined;
          acc.set(p.name, saved ? saved.map((x) => x / k) : new Float32Array(p.size));
        }
        loop.setAccumulators(acc);
      }
      tf.dispose([...state.values()]);
    },
  };
  return engine;
}
