/**
 * Trainer callbacks and early stopping. A callback sees every step's logs and every evaluation, may ask
 * the trainer to stop, and may keep state that checkpoints save and resume restores.
 */
import { Bert4tfjsError } from '../../errors.ts';
import { checkNumber, checkOptionNames, describe } from '../losses/checks.ts';
import type { Json } from './checkpoint.ts';

/** The logs of one optimizer step. */
export interface StepLogs {
  /** 1-based optimizer step. */
  step: number;
  /** 0-based epoch of the step. */
  epoch: number;
  loss: number;
  /** Learning rate used (null when the optimizer does not expose one). */
  lr: number | null;
  gradNorm: number;
  /** Examples and tokens (null when unknown) in the batch. */
  examples: number;
  tokens: number | null;
  /** Micro-batches the batch was split into. */
  microBatches: number;
  /** Seconds the step took. */
  stepTime: number;
}

/** What callbacks can do to the run. */
export interface CallbackContext {
  /** Optimizer steps done so far. */
  readonly step: number;
  readonly epoch: number;
  /** Stops training after the current step (a checkpoint is still written if configured). */
  stop(reason: string): void;
}

/** Hooks into a training run; all optional. Async hooks are awaited. */
export interface TrainerCallback {
  /** Key of this callback's state in checkpoints (needed with getState/setState). */
  readonly name?: string;
  onTrainBegin?(ctx: CallbackContext): void | Promise<void>;
  onStepEnd?(logs: StepLogs, ctx: CallbackContext): void | Promise<void>;
  /** After each evaluation, with its metrics. */
  onEvaluate?(metrics: Record<string, number>, ctx: CallbackContext): void | Promise<void>;
  onEpochEnd?(epoch: number, ctx: CallbackContext): void | Promise<void>;
  onTrainEnd?(ctx: CallbackContext): void | Promise<void>;
  /** State saved in checkpoints. */
  getState?(): Json;
  /** Restores what getState returned. */
  setState?(state: Json): void;
}

/** Options of {@link EarlyStopping}. */
export interface EarlyStoppingOptions {
  /** Evaluation metric to watch. Default 'val_loss'. */
  monitor?: string;
  /** Evaluations in a row without improvement that stop training (as Keras). Default 3. */
  patience?: number;
  /** 'min' (lower is better), 'max', or 'auto' (max for names containing acc/f1/auc/precision/recall). Default 'auto'. */
  mode?: 'min' | 'max' | 'auto';
  /** Smallest change that counts as an improvement. Default 0. */
  minDelta?: number;
}

/** Stops training when `monitor` has not improved for `patience` evaluations. */
export class EarlyStopping implements TrainerCallback {
  readonly name = 'earlyStopping';
  readonly monitor: string;
  readonly patience: number;
  readonly mode: 'min' | 'max';
  readonly minDelta: number;
  /** Best value seen (null before the first evaluation) and the step it was seen at. */
  best: number | null = null;
  bestStep = 0;
  /** Evaluations since the last improvement. */
  wait = 0;

  constructor(options: EarlyStoppingOptions = {}) {
    const where = 'EarlyStopping';
    checkOptionNames(where, options, ['monitor', 'patience', 'mode', 'minDelta']);
    this.monitor = options.monitor ?? 'val_loss';
    if (typeof this.monitor !== 'string' || this.monitor === '')
      throw new Bert4tfjsError(
        `${where}: option 'monitor' must be a metric name, got ${describe(this.monitor)}`,
        'bad-argument',
      );
    this.patience = checkNumber(where, 'patience', options.patience ?? 3, { min: 0, integer: true });
    this.minDelta = checkNumber(where, 'minDelta', options.minDelta ?? 0, { min: 0 });
    const mode = options.mode ?? 'auto';
    if (mode !== 'min' && mode !== 'max' && mode !== 'auto')
      throw new Bert4tfjsError(
        `${where}: option 'mode' must be 'min', 'max' or 'auto', got ${describe(mode)}`,
        'bad-argument',
      );
    this.mode = mode !== 'auto' ? mode : /acc|f1|auc|precision|recall/i.test(this.monitor) ? 'max' : 'min';
  }

  onEvaluate(metrics: Record<string, number>, ctx: CallbackContext): void {
    const value = metrics[this.monitor];
    if (typeof value !== 'number') {
      throw new Bert4tfjsError(
        `EarlyStopping: metric '${this.monitor}' is not among the evaluation's metrics (${Object.keys(metrics).join(', ') || 'none'})`,
        'bad-argument',
      );
    }
    const better =
      this.best === null ||
      (this.mode === 'min' ? value < this.best - this.minDelta : value > this.best + this.minDelta);
    if (better) {
      this.best = value;
      this.bestStep = ctx.step;
      this.wait = 0;
      return;
    }
    this.wait++;
    if (this.wait >= this.patience) {
      ctx.stop(
        `early stopping: ${this.monitor} has not improved for ${this.wait} evaluations (best ${this.best} at step ${this.bestStep})`,
      );
    }
  }

  getState(): Json {
    return { best: this.best, bestStep: this.bestStep, wait: this.wait };
  }

  setState(state: Json): void {
    const s = state as { best: number | null; bestStep: number; wait: number };
    this.best = s.best;
    this.bestStep = s.bestStep;
    this.wait = s.wait;
  }
}
