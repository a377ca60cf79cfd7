/**
 * The trainer's options and results, and their checks (unknown names and bad values fail before any step).
 */
import type { TrainStepEngine } from './step-engine.ts';
import type * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../../errors.ts';
import { checkNumber, checkOptionNames, describe } from '../losses/checks.ts';
import type { Optimizer } from '../optimizers/types.ts';
import type { TensorBatch } from '../data/tensor-batch.ts';
import type { StepLogs, TrainerCallback } from './callbacks.ts';
import type { LossFn, ModelLossFn } from './target.ts';
import type { MicroBatchSetting } from './planner.ts';
import type { Perturbation } from './perturbation.ts';

/** Options of the {@link Trainer} constructor: either `model` + `loss`, or `variables` + `lossFn`. */
export interface TrainerOptions {
  /** Runs each optimizer step in another engine (e.g. onnxruntime); the trainer keeps batching, schedules and checkpoints. */
  stepEngine?: TrainStepEngine;
  /** A tfjs-layers model; its trainable weights are trained. */
  model?: tf.LayersModel;
  /** With `model`: the loss of its outputs (in `model.outputs` order) given the batch. */
  loss?: ModelLossFn;
  /** With `model`: batch keys fed to the model inputs, in order. Default: `model.inputNames`. */
  inputs?: string[];
  /** Without a model: the variables to train (array keyed by variable name, or a record). */
  variables?: tf.Variable[] | Record<string, tf.Variable>;
  /** Without a model: the loss of a batch. */
  lossFn?: LossFn;
  /** One of ours (adam, adamW, ... with any extensions). */
  optimizer: Optimizer;
  /** Bytes a step may use. Default: 2.5 GB on wasm, half the machine's memory elsewhere. Infinity: no planning. */
  memoryBudget?: number;
  /** 'auto' (default): split batches to fit the budget; 'off': fail if a batch does not fit; a number: fixed micro-batch size. */
  microBatch?: MicroBatchSetting;
  /** Slot copies per weight the optimizer allocates on its first step (Adam: 2). Default 2. */
  optimizerSlots?: number;
  /** Progress bar on stderr. Default: when stderr is a terminal. */
  progress?: boolean;
  /** Tokens of a batch for tokens/s (null: report examples/s). Default: sum of attention_mask, else size of input_ids. */
  countTokens?: (batch: TensorBatch) => number | null;
  /** Batch key whose axis 1 is the sequence length (for memory planning). Default: input_ids, else the first tensor of rank >= 2. */
  lengthKey?: string;
  /**
   * Seed of the random ops inside each step (dropout): step k draws from a stream derived from (seed, k),
   * so two runs with the same seed, and a resumed run, repeat the same masks. Default: unseeded.
   */
  seed?: number;
  /** Global gradient-norm clipping: gradients are scaled by min(1, clipNorm / ‖g‖₂) before the update. */
  clipNorm?: number;
  /** FGM adversarial training or a gradient penalty on one variable (the token embedding); see perturbation.ts. */
  perturbation?: Perturbation;
}

/** Options of {@link Trainer.fit}. */
export interface FitOptions {
  /** Epochs to train (in all, counting those done before a resume). Default 1. */
  epochs?: number;
  /** Batches per epoch (at most the source's). Default: the source's stepsPerEpoch. */
  stepsPerEpoch?: number;
  /** Stop after this many optimizer steps in all (a clean stop, with a checkpoint when configured). */
  maxSteps?: number;
  callbacks?: TrainerCallback[];
  /** Evaluation: returns metrics by name (e.g. { val_loss, val_acc }); run every `evalEvery` steps or at each epoch end. */
  evaluate?: (ctx: { step: number; epoch: number }) => Record<string, number> | Promise<Record<string, number>>;
  evalEvery?: number;
  /** Where checkpoints (and, by default, metrics.jsonl) go. */
  checkpointDir?: string;
  /** Steps between checkpoints. Default: at each epoch end. A final one is always written. */
  checkpointEvery?: number;
  /** Checkpoints kept (oldest removed). Default 3. */
  keepCheckpoints?: number;
  /** true: continue from the newest checkpoint in checkpointDir (error if none); 'auto': if there is one; a path: that one. */
  resume?: boolean | 'auto' | string;
  /** The metrics JSONL file. Default: checkpointDir/metrics.jsonl (none without checkpointDir). */
  metricsPath?: string;
}

/** Why a fit ended. */
export type StopReason = 'completed' | 'max-steps' | 'stopped';

/** What {@link Trainer.fit} returns. */
export interface FitResult {
  /** Optimizer steps done in all (including those before a resume). */
  step: number;
  /** Epoch (0-based) where training would continue. */
  epoch: number;
  stopReason: StopReason;
  /** Human-readable reason (early stopping's message when it stopped training). */
  message: string;
  /** Logs of the steps run by this call. */
  history: StepLogs[];
  /** Evaluations run by this call. */
  evaluations: { step: number; metrics: Record<string, number> }[];
  /** The newest checkpoint written or resumed from, or null. */
  lastCheckpoint: string | null;
  /** The step this call resumed from (0 when it started fresh). */
  resumedFrom: number;
}

export const TRAINER_OPTION_NAMES = [
  'model',
  'loss',
  'inputs',
  'variables',
  'lossFn',
  'optimizer',
  'memoryBudget',
  'microBatch',
  'optimizerSlots',
  'progress',
  'countTokens',
  'lengthKey',
  'seed',
  'clipNorm',
  'perturbation',
  'stepEngine',
];
export const FIT_OPTION_NAMES = [
  'epochs',
  'stepsPerEpoch',
  'maxSteps',
  'callbacks',
  'evaluate',
  'evalEvery',
  'checkpointDir',
  'checkpointEvery',
  'keepCheckpoints',
  'resume',
  'metricsPath',
];

/** Checks the constructor options (shape and values, not the model). */
export function checkTrainerOptions(o: TrainerOptions): void {
  const where = 'Trainer';
  if (o === null || typeof o !== 'object') throw new Bert4tfjsError(`${where}: options are required`, 'bad-argument');
  checkOptionNames(where, o, TRAINER_OPTION_NAMES);
  const hasModel = o.model !== undefined;
  const hasVars = o.variables !== undefined || o.lossFn !== undefined;
  if (hasModel === hasVars) {
    throw new Bert4tfjsError(`${where}: give either { model, loss } or { variables, lossFn }`, 'bad-argument');
  }
  if (hasModel && o.lossFn !== undefined)
    throw new Bert4tfjsError(
      `${where}: with a model, pass 'loss' (outputs, batch) => scalar, not 'lossFn'`,
      'bad-argument',
    );
  if (!hasModel && (o.loss !== undefined || o.inputs !== undefined))
    throw new Bert4tfjsError(`${where}: 'loss' and 'inputs' go with 'model'; without one use 'lossFn'`, 'bad-argument');
  const opt = o.optimizer as Partial<Optimizer> | undefined;
  if (!opt || typeof opt.applyGradients !== 'function' || typeof opt.getState !== 'function') {
    throw new Bert4tfjsError(
      `${where}: option 'optimizer' must be one of ours (adam(), adamW(), ...), got ${describe(o.optimizer)}`,
      'bad-argument',
    );
  }
  if (o.memoryBudget !== undefined && o.memoryBudget !== Infinity)
    checkNumber(where, 'memoryBudget', o.memoryBudget, { min: 0, minExclusive: true });
  const mb = o.microBatch;
  if (mb !== undefined && mb !== 'auto' && mb !== 'off')
    checkNumber(where, 'microBatch', mb, { min: 1, integer: true });
  if (o.optimizerSlots !== undefined) checkNumber(where, 'optimizerSlots', o.optimizerSlots, { min: 0 });
  if (o.seed !== undefined) checkNumber(where, 'seed', o.seed, { integer: true });
  if (o.clipNorm !== undefined) checkNumber(where, 'clipNorm', o.clipNorm, { min: 0, minExclusive: true });
  const p = o.perturbation;
  if (p !== undefined) {
    if (p.kind === 'fgm') checkNumber(where, 'perturbation.epsilon', p.epsilon, { min: 0, minExclusive: true });
    else if (p.kind === 'gradient-penalty')
      checkNumber(where, 'perturbation.weight', p.weight, { min: 0, minExclusive: true });
    else
      throw new Bert4tfjsError(
        `${where}: option 'perturbation.kind' must be 'fgm' or 'gradient-penalty', got ${describe((p as { kind: unknown }).kind)}`,
        'bad-argument',
      );
  }
}

/** Checks fit options; returns them with defaults filled in. */
export function checkFitOptions(o: FitOptions): Required<Pick<FitOptions, 'epochs' | 'keepCheckpoints'>> & FitOptions {
  const where = 'Trainer.fit';
  checkOptionNames(where, o, FIT_OPTION_NAMES);
  const epochs = checkNumber(where, 'epochs', o.epochs ?? 1, { min: 1, integer: true });
  const keepCheckpoints = checkNumber(where, 'keepCheckpoints', o.keepCheckpoints ?? 3, { min: 1, integer: true });
  for (const k of ['stepsPerEpoch', 'maxSteps', 'evalEvery', 'checkpointEvery'] as const) {
    if (o[k] !== undefined) checkNumber(where, k, o[k], { min: 1, integer: true });
  }
  if (o.evalEvery !== undefined && o.evaluate === undefined)
    throw new Bert4tfjsError(`${where}: 'evalEvery' needs an 'evaluate' function`, 'bad-argument');
  if (o.evaluate !== undefined && typeof o.evaluate !== 'function')
    throw new Bert4tfjsError(`${where}: 'evaluate' must be a function, got ${describe(o.evaluate)}`, 'bad-argument');
  if (
    (o.checkpointEvery !== undefined ||
      (o.resume !== undefined && o.resume !== false && typeof o.resume !== 'string')) &&
    o.checkpointDir === undefined
  ) {
    throw new Bert4tfjsError(
      `${where}: 'checkpointEvery' and 'resume: true/auto' need 'checkpointDir'`,
      'bad-argument',
    );
  }
  if (o.callbacks !== undefined && !Array.isArray(o.callbacks))
    throw new Bert4tfjsError(`${where}: 'callbacks' must be an array`, 'bad-argument');
  const names = new Set<string>();
  for (const cb of o.callbacks ?? []) {
    if (cb.getState && !cb.name)
      throw new Bert4tfjsError(
        `${where}: a callback with getState() needs a 'name' to key its state in checkpoints`,
        'bad-argument',
      );
    if (cb.name) {
      if (names.has(cb.name))
        throw new Bert4tfjsError(`${where}: two callbacks are named '${cb.name}'`, 'bad-argument');
      names.add(cb.name);
    }
  }
  return { ...o, epochs, keepCheckpoints };
}
