/**
 * The whole training step of a matching model as one ONNX graph: encoder forward, head and loss,
 * reverse mode, and (mode 'step') global-norm clipping plus AdamW; or (mode 'grads') the micro-batch
 * gradients added into accumulators, and (mode 'apply') the optimizer step on accumulated gradients,
 * for gradient accumulation. Parameters, moments and accumulators are graph inputs and outputs, so the
 * caller keeps the state between steps; the learning rate and step number are inputs too.
 */
import {
  Bert4tfjsError,
  DEFAULT_WEIGHT_DECAY_EXCLUDE,
  emitAdamW,
  emitGlobalNorm,
  emitIsFinite,
  emitKeepUnlessFinite,
  GradTape,
  OnnxDataType,
  onnxOps as O,
  type GraphAdamWOptions,
  type TVal,
} from '@bert4tfjs/core';
import type { TransformerModel } from '../family.ts';
import { exportHfTensors } from '../hf-tensors.ts';
import type { EncoderGraphLayout } from '../onnx/encoder-graph.ts';
import { ONNX_IR_VERSION, ONNX_OPSET, onnxSpecFor } from '../onnx/export.ts';
import { HfWeights } from '../onnx/ops.ts';
import {
  type DropoutSite,
  type EncoderContext,
  encoderForward,
  type EncoderInputs,
  UnsupportedActivation,
} from './encoder.ts';
import {
  classifierLogits,
  cosent,
  inBatchContrastive,
  maskedMean,
  meanSquaredError,
  rowCosine,
  softmaxCrossEntropy,
} from './heads.ts';
import { TrainParams, type TrainParam } from './params.ts';

/** The train-matching objectives. */
export type TrainObjective = 'cross-encoder' | 'cosent' | 'contrastive';
/** The cross-encoder's loss: softmax CE on fed targets, MSE on a regression output, or CoSENT over the pair score. */
export type CrossEncoderLoss = 'ce' | 'mse' | 'cosent';

/** What to build. */
export interface TrainGraphSpec {
  objective: TrainObjective;
  /** Cross-encoder loss; default 'ce' with 2+ labels, 'mse' with 1. */
  crossEncoderLoss?: CrossEncoderLoss;
  /** Inverse temperature of CoSENT / contrastive (default 20, the tfjs objectives' COSINE_SCALE). */
  scale?: number;
  /** Declare dropout mask inputs (default true); false builds the deterministic graph (rates ignored). */
  dropout?: boolean;
  /**
   * 'step' (default): forward, backward and AdamW; 'grads': forward, backward into accumulators (each
   * micro-batch's gradient clipped to `optimizer.clipNorm` first, and its norm output as `grad_norm`);
   * 'apply': AdamW only (clipping the accumulated gradient to `optimizer.clipNorm`).
   */
  mode?: 'step' | 'grads' | 'apply';
  /** AdamW settings (defaults: β 0.9 / 0.999, ε 1e-6, λ 0.01 except LayerNorm / bias, no clipping). */
  optimizer?: Partial<GraphAdamWOptions> & { exclude?: readonly (string | RegExp)[] };
}

/** A fed (non-parameter) input of the graph. */
export interface TrainGraphInput {
  name: string;
  type: 'int64' | 'float32' | 'bool';
  dims: Array<number | string>;
}

/** The built graph and what running it needs. */
export interface TrainGraph {
  bytes: Uint8Array;
  mode: 'step' | 'grads' | 'apply';
  /** Parameters with their starting values (graph layout). */
  params: TrainParam[];
  /** Data inputs (ids, masks, targets) the caller feeds each step. */
  inputs: TrainGraphInput[];
  /** Dropout masks the caller draws each step (empty with dropout off). */
  dropout: DropoutSite[];
  nodes: number;
}

const BERT_CONFIG_ACTS = ['gelu', 'gelu_new', 'gelu_fast', 'gelu_pytorch_tanh', 'gelu-tanh', 'relu', 'tanh'];

function adamOptions(spec: TrainGraphSpec): GraphAdamWOptions {
  const o = spec.optimizer ?? {};
  const exclude = (o.exclude ?? DEFAULT_WEIGHT_DECAY_EXCLUDE).map((p) => (typeof p === 'string' ? new RegExp(p) : p));
  return {
    beta1: o.beta1 ?? 0.9,
    beta2: o.beta2 ?? 0.999,
    epsilon: o.epsilon ?? 1e-6,
    weightDecay: o.weightDecay ?? 0.01,
    clipNorm: o.clipNorm ?? null,
    decays: o.decays ?? ((name) => !exclude.some((p) => p.test(name))),
  };
}

/** Checks the model is one the training graph expresses exactly; the error names what is not. */
export function checkTrainable(built: TransformerModel): EncoderGraphLayout {
  let layout: EncoderGraphLayout;
  try {
    layout = onnxSpecFor(built).layout;
  } catch (err) {
    throw new Bert4tfjsError(
      `ONNX training engine: ${(err as Error).message.replace(/^ONNX export:? ?/, '')}`,
      'unsupported',
    );
  }
  if (!BERT_CONFIG_ACTS.includes(layout.hiddenAct))
    throw new Bert4tfjsError(
      `ONNX training engine: hidden_act '${layout.hiddenAct}' has no gradient in the training graph (${BERT_CONFIG_ACTS.join(', ')})`,
      'unsupported',
    );
  return layout;
}

function sideInputs(t: GradTape, inputs: TrainGraphInput[], prefix: string, seq: string): EncoderInputs {
  const dims = ['batch', seq];
  const add = (name: string, type: TrainGraphInput['type']) => {
    inputs.push({ name, type, dims });
    return t.input(name, dims, type === 'int64' ? OnnxDataType.INT64 : OnnxDataType.FLOAT);
  };
  return {
    ids: add(`${prefix}input_ids`, 'int64'),
    types: add(`${prefix}token_type_ids`, 'int64'),
    mask: add(`${prefix}attention_mask`, 'float32'),
    prefix,
    batch: 'batch',
    seq,
  };
}

/** The loss of `spec`'s objective, declaring its inputs. */
function lossOf(c: EncoderContext, spec: TrainGraphSpec, numLabels: number, inputs: TrainGraphInput[]): TVal {
  const { t } = c;
  const scale = spec.scale ?? 20;
  const fed = (name: string, dims: Array<number | string>) => {
    inputs.push({ name, type: 'float32', dims });
    return t.input(name, dims);
  };
  if (spec.objective === 'cross-encoder') {
    if (numLabels < 1)
      throw new Bert4tfjsError(
        'ONNX training engine: the cross-encoder needs a model built with a classifier (numLabels)',
        'bad-argument',
      );
    const io = sideInputs(t, inputs, '', 'seq');
    const h = encoderForward(c, io).at(-1)!;
    const logits = classifierLogits(c, h, 'batch');
    const loss = spec.crossEncoderLoss ?? (numLabels === 1 ? 'mse' : 'ce');
    if (loss === 'ce') return softmaxCrossEntropy(c, logits, fed('targets', ['batch', numLabels]));
    if (loss === 'mse') {
      if (numLabels !== 1)
        throw new Bert4tfjsError(
          `ONNX training engine: loss 'mse' needs 1 label, the classifier has ${numLabels}`,
          'bad-argument',
        );
      return meanSquaredError(c, logits, fed('labels', ['batch']), 'batch');
    }
    // CoSENT over the pair score: the regression output, or logit(1) − logit(0) with two classes.
    const s = numLabels === 1 ? reshapeScore(c, logits) : logitMargin(c, logits);
    return cosent(c, s, fed('rank_bias', ['batch', 'batch']), 1);
  }
  const a = sideInputs(t, inputs, 'a_', 'seq_a');
  const b = sideInputs(t, inputs, 'b_', 'seq_b');
  const va = maskedMean(c, encoderForward(c, a).at(-1)!, a.mask, 'batch');
  const vb = maskedMean(c, encoderForward(c, b).at(-1)!, b.mask, 'batch');
  if (spec.objective === 'contrastive') return inBatchContrastive(c, va, vb, scale);
  return cosent(c, rowCosine(c, va, vb), fed('rank_bias', ['batch', 'batch']), scale);
}

function reshapeScore(c: EncoderContext, logits: TVal): TVal {
  return O.reshape(c.t, logits, [-1], ['batch']);
}

function logitMargin(c: EncoderContext, logits: TVal): TVal {
  const hi = O.slice(c.t, logits, 1, 1, 2);
  const lo = O.slice(c.t, logits, 1, 0, 1);
  return O.reshape(c.t, O.sub(c.t, hi, lo), [-1], ['batch']);
}

/** Builds the training graph of `built` (a BERT-family model, with a classifier for the cross-encoder). */
export function buildTrainingGraph(built: TransformerModel, spec: TrainGraphSpec): TrainGraph {
  const layout = checkTrainable(built);
  const rates = built.config as { hiddenDropoutProb?: number; attentionProbsDropoutProb?: number };
  const mode = spec.mode ?? 'step';
  const t = new GradTape({
    name: `${built.family}_train_${spec.objective}_${mode}`,
    opset: ONNX_OPSET,
    irVersion: ONNX_IR_VERSION,
    producerName: 'bert4tfjs',
  });
  const numLabels = built.outputNames.includes('logits')
    ? (built.model.getLayer('Classifier').getWeights()[1]?.shape[0] ?? 0)
    : 0;
  const weights = new HfWeights(exportHfTensors(built), `${built.family} model`);
  const p = new TrainParams(t, weights);
  const c: EncoderContext = {
    t,
    p,
    layout,
    hiddenDropout: rates.hiddenDropoutProb ?? 0,
    attentionDropout: rates.attentionProbsDropoutProb ?? 0,
    dropout: spec.dropout ?? true,
    sites: [],
  };
  const inputs: TrainGraphInput[] = [];
  if (mode === 'apply') {
    // Same parameters as the gradient graph, read by building its forward on a scratch tape.
    const probe = buildTrainingGraph(built, { ...spec, mode: 'grads', dropout: false });
    const params = probe.params.map((q) => ({ ...q, value: t.param(q.name, q.shape) }));
    emitAdamW(
      t,
      params.map((q) => ({ name: q.name, value: q.value, grad: t.input(`${q.name}::acc`, q.shape) })),
      adamOptions(spec),
    );
    return { bytes: t.g.serialize(), mode, params, inputs, dropout: [], nodes: t.g.stats().nodes };
  }
  let loss: TVal;
  try {
    loss = lossOf(c, spec, numLabels, inputs);
  } catch (err) {
    if (err instanceof UnsupportedActivation)
      throw new Bert4tfjsError(`ONNX training engine: ${err.message} is not supported`, 'unsupported');
    throw err;
  }
  t.output(loss, 'loss');
  const params = p.list();
  const grads = t.gradients(
    loss,
    params.map((q) => q.value),
  );
  if (mode === 'step') {
    emitAdamW(
      t,
      params.map((q) => ({ name: q.name, value: q.value, grad: grads.get(q.name)! })),
      adamOptions(spec),
    );
  } else {
    // acc_new = acc + weight · factor · grad (weight = the micro-batch's share; factor clips this
    // micro-batch's gradient to clipNorm, as the tfjs gradient accumulation clips each batch's).
    const weight = t.input('grad_weight', []);
    inputs.push({ name: 'grad_weight', type: 'float32', dims: [] });
    const norm = emitGlobalNorm(
      t,
      params.map((q) => grads.get(q.name)!),
    );
    t.g.output(norm, 'grad_norm', OnnxDataType.FLOAT, []);
    const ok = emitIsFinite(t, norm);
    const clip = adamOptions(spec).clipNorm;
    const scale =
      clip === null
        ? weight.name
        : t.g.op('Mul', [
            weight.name,
            t.g.op('Div', [t.scalar(clip).name, t.g.op('Max', [norm, t.scalar(clip).name])]),
          ]);
    for (const q of params) {
      const acc = t.input(`${q.name}::acc`, q.shape);
      const sum = t.g.op('Add', [acc.name, t.g.op('Mul', [grads.get(q.name)!.name, scale])]);
      // Unchanged when this micro-batch's gradient is not finite (the loop writes it in place).
      t.g.output(emitKeepUnlessFinite(t, ok, sum, acc.name), `${q.name}::acc_new`, OnnxDataType.FLOAT, q.shape);
    }
  }
  for (const s of c.sites) inputs.push({ name: s.name, type: 'bool', dims: s.shape });
  return { bytes: t.g.serialize(), mode, params, inputs, dropout: c.sites, nodes: t.g.stats().nodes };
}
