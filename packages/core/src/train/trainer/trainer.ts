/**
 * `Trainer`: a fit loop over a model (or a loss over explicit variables) and one of our optimizers, with
 * memory-planned micro-batching, a NaN/Inf guard, evaluation and early stopping, a JSONL metrics log,
 * and atomic checkpoints from which a resumed run continues the very same loss curve.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../../errors.ts';
import { GradientAccumulation } from '../optimizers/accumulation.ts';
import { isDeltaOptimizer, type Optimizer } from '../optimizers/types.ts';
import type { BatchSource } from '../data/generator.ts';
import type { TensorBatch } from '../data/tensor-batch.ts';
import type { CallbackContext, StepLogs, TrainerCallback } from './callbacks.ts';
import {
  CHECKPOINT_FORMAT,
  latestCheckpoint,
  loadCheckpoint,
  pruneCheckpoints,
  removeStaleTemporaries,
  saveCheckpoint,
  type Json,
  type TrainerState,
} from './checkpoint.ts';
import { mixSeeds, withSeededRandom } from '../../utils/random.ts';
import { batchGradients, globalNorm } from './gradients.ts';
import { checkPerturbation, perturbedGradients } from './perturbation.ts';
import { balancedSizes, type MicroBatchPlan } from './memory.ts';
import { MetricsLog } from './metrics-log.ts';
import { batchSizeOf, defaultTokenCount, seqLenOf } from './micro-batch.ts';
import {
  checkFitOptions,
  checkTrainerOptions,
  type FitOptions,
  type FitResult,
  type StopReason,
  type TrainerOptions,
} from './options.ts';
import { MemoryPlanner, defaultMemoryBudget, isOutOfMemory } from './planner.ts';
import { Progress } from './progress.ts';
import type { TrainStepEngine } from './step-engine.ts';
import { modelTarget, variablesTarget, type TrainTarget } from './target.ts';

/** Where a run stands: optimizer steps done and the next batch to train on. */
interface Position {
  step: number;
  epoch: number;
  stepInEpoch: number;
}

/** The learning rate the next update will use, from the innermost base optimizer (null if none is found). */
function nextLearningRate(opt: Optimizer): number | null {
  let o: unknown = opt;
  for (let depth = 0; depth < 16 && o; depth++) {
    if (isDeltaOptimizer(o as Optimizer)) {
      const d = o as Optimizer & { learningRateAt(step: number): number };
      return d.learningRateAt(d.iterations + 1);
    }
    o = (o as { inner?: unknown }).inner;
  }
  return null;
}

/**
 * Marks an engine-applied step as done on the tfjs optimizer (its counter drives schedules and checkpoints);
 * under gradient accumulation, one micro-batch, and the inner optimizer's step when it completed an update.
 */
function advanceStepCounter(opt: Optimizer): void {
  if (opt instanceof GradientAccumulation) {
    if (opt.countMicroStep()) advanceStepCounter(opt.inner);
    return;
  }
  if (!isDeltaOptimizer(opt))
    throw new Bert4tfjsError(
      `Trainer: option 'stepEngine' needs an Adam / AdamW optimizer (a per-variable optimizer), got '${opt.getConfig().kind}'`,
      'bad-argument',
    );
  opt.endStep();
}

/**
 * Trains a model with one of our optimizers. Batches are {@link TensorBatch}es from a
 * {@link BatchSource} (e.g. a DataGenerator whose collate builds tensors); the trainer disposes each
 * batch after its step. See the README section "Training" for the memory estimate and checkpoints.
 */
export class Trainer {
  readonly target: TrainTarget;
  readonly optimizer: Optimizer;
  readonly planner: MemoryPlanner;
  /** The micro-batch plan of the last step. */
  lastPlan: MicroBatchPlan | null = null;
  private readonly options: TrainerOptions;
  private stopReason: string | null = null;

  constructor(options: TrainerOptions) {
    checkTrainerOptions(options);
    this.options = options;
    this.optimizer = options.optimizer;
    this.target =
      options.model !== undefined
        ? modelTarget(options.model, options.loss!, options.inputs)
        : variablesTarget(options.variables ?? [], options.lossFn!);
    if (options.perturbation) checkPerturbation(options.perturbation, this.target);
    const budget = options.memoryBudget ?? defaultMemoryBudget();
    this.planner = new MemoryPlanner(this.target, budget, options.microBatch ?? 'auto', options.optimizerSlots ?? 2);
  }

  /** Asks a running fit to stop after the current step. */
  stop(reason = 'stopped by request'): void {
    this.stopReason = reason;
  }

  /**
   * One optimizer step on `batch` (split into micro-batches as planned). Throws a Bert4tfjsError
   * ('non-finite-loss') without updating anything when the loss or gradients are NaN/Inf.
   * Does not dispose `batch`.
   */
  async trainStep(batch: TensorBatch, step: number): Promise<Omit<StepLogs, 'epoch' | 'tokens' | 'stepTime'>> {
    const n = batchSizeOf(batch);
    const engine = this.options.stepEngine;
    if (engine) return this.#engineStep(engine, batch, step, n, nextLearningRate(this.optimizer));
    const seqLen = seqLenOf(batch, this.options.lengthKey);
    let plan = await this.planner.plan(batch, n, seqLen, this.optimizer.iterations > 0);
    const lr = nextLearningRate(this.optimizer);
    for (;;) {
      try {
        this.lastPlan = plan;
        const seed = this.options.seed;
        const pass = (k: number) => () =>
          seed === undefined
            ? batchGradients(this.target, batch, plan.sizes)
            : withSeededRandom(mixSeeds(seed, step, k), () => batchGradients(this.target, batch, plan.sizes));
        const g = pass(0)();
        const perturbation = this.options.perturbation;
        if (perturbation && Number.isFinite(g.loss) && Number.isFinite(g.gradNorm)) {
          g.grads = perturbedGradients(perturbation, this.target, g, pass(1));
          g.gradNorm = globalNorm(g.grads);
        }
        try {
          if (!Number.isFinite(g.loss) || !Number.isFinite(g.gradNorm)) {
            const what = Number.isFinite(g.loss) ? `the gradient norm is ${g.gradNorm}` : `the loss is ${g.loss}`;
            throw new Bert4tfjsError(
              `Trainer: ${what} at step ${step}; the weights were not updated`,
              'non-finite-loss',
            );
          }
          const clip = this.options.clipNorm;
          if (clip !== undefined && g.gradNorm > clip) {
            const scale = clip / g.gradNorm;
            for (const [k, t] of g.grads) {
              g.grads.set(k, tf.mul(t, scale));
              t.dispose();
            }
          }
          this.optimizer.applyGradients(g.grads, this.target.trainable);
        } finally {
          tf.dispose([...g.grads.values()]);
        }
        return { step, loss: g.loss, lr, gradNorm: g.gradNorm, examples: n, microBatches: plan.sizes.length };
      } catch (e) {
        // Nothing was applied yet: retry with smaller micro-batches where allocation failures are catchable.
        if (!isOutOfMemory(e) || !this.planner.lowerCeiling(plan.microBatchSize)) throw e;
        plan = await this.planner.plan(batch, n, seqLen, this.optimizer.iterations > 0);
        if (plan.sizes.length === 1) plan = { ...plan, sizes: balancedSizes(n, 2), microBatchSize: Math.ceil(n / 2) };
      }
    }
  }

  /** One step in the configured step engine; the tfjs optimizer's step counter advances with it. */
  async #engineStep(engine: TrainStepEngine, batch: TensorBatch, step: number, n: number, lr: number | null) {
    if (lr === null) advanceStepCounter(this.optimizer); // throws: engines need a scheduled learning rate
    const rate = lr as number;
    const r = await engine.step(batch, rate, step);
    if (!Number.isFinite(r.loss) || !Number.isFinite(r.gradNorm)) {
      const what = Number.isFinite(r.loss) ? `the gradient norm is ${r.gradNorm}` : `the loss is ${r.loss}`;
      throw new Bert4tfjsError(`Trainer: ${what} at step ${step}; the weights were not updated`, 'non-finite-loss');
    }
    advanceStepCounter(this.optimizer);
    return { step, loss: r.loss, lr, gradNorm: r.gradNorm, examples: n, microBatches: r.microBatches };
  }

  /** Trains on `source` (see {@link FitOptions}); resolves when done, stopped or early-stopped. */
  async fit(source: BatchSource<TensorBatch>, options: FitOptions = {}): Promise<FitResult> {
    const o = checkFitOptions(options);
    if (!source || typeof source.batches !== 'function' || !(source.stepsPerEpoch > 0)) {
      throw new Bert4tfjsError(
        'Trainer.fit: the data source is empty (0 batches per epoch); there is nothing to train on',
        'empty-dataset',
      );
    }
    const stepsPerEpoch = o.stepsPerEpoch ?? source.stepsPerEpoch;
    if (stepsPerEpoch > source.stepsPerEpoch) {
      throw new Bert4tfjsError(
        `Trainer.fit: stepsPerEpoch ${stepsPerEpoch} is more than the ${source.stepsPerEpoch} batches the source has per epoch`,
        'bad-argument',
      );
    }
    const callbacks = o.callbacks ?? [];
    const dir = o.checkpointDir;
    if (dir !== undefined) removeStaleTemporaries(dir);
    let pos: Position = { step: 0, epoch: 0, stepInEpoch: 0 };
    let lastCheckpoint: string | null = null;
    const resumePath = this.resolveResume(o);
    if (resumePath !== null) {
      pos = this.restore(resumePath, source, stepsPerEpoch, callbacks);
      this.options.stepEngine?.load();
      lastCheckpoint = resumePath;
    }
    const resumedFrom = pos.step;
    const metricsPath = o.metricsPath ?? (dir !== undefined ? join(dir, 'metrics.jsonl') : undefined);
    const log = metricsPath !== undefined ? new MetricsLog(metricsPath) : null;
    const progress = new Progress(this.options.progress ?? process.stderr.isTTY === true);
    const history: StepLogs[] = [];
    const evaluations: FitResult['evaluations'] = [];
    const t0 = performance.now();
    let units = 0;
    let unitTime = 0;
    this.stopReason = null;
    const ctx: CallbackContext = {
      get step() {
        return pos.step;
      },
      get epoch() {
        return pos.epoch;
      },
      stop: (reason: string) => this.stop(reason),
    };
    const save = async (): Promise<void> => {
      if (dir === undefined) return;
      this.options.stepEngine?.sync();
      const state: TrainerState = {
        format: CHECKPOINT_FORMAT,
        version: 1,
        step: pos.step,
        epoch: pos.epoch,
        stepInEpoch: pos.stepInEpoch,
        stepsPerEpoch,
        data: source.fingerprint(),
        callbacks: Object.fromEntries(callbacks.filter((c) => c.getState).map((c) => [c.name!, c.getState!()])),
        optimizer: this.optimizer.getConfig() as unknown as Json,
        savedAt: new Date().toISOString(),
      };
      const optState = this.optimizer.getState();
      try {
        lastCheckpoint = (await saveCheckpoint(dir, this.target.weights, optState, state)).path;
      } finally {
        tf.dispose([...optState.values()]);
      }
      pruneCheckpoints(dir, o.keepCheckpoints);
      log?.flush();
    };
    let reason: StopReason = 'completed';
    let savedAt = -1;
    try {
      log?.write({
        event: resumedFrom > 0 ? 'resume' : 'start',
        step: pos.step,
        epoch: pos.epoch,
        time: 0,
        checkpoint: lastCheckpoint,
      });
      progress.start(o.epochs * stepsPerEpoch, pos.step, o.epochs);
      for (const cb of callbacks) await cb.onTrainBegin?.(ctx);
      run: while (pos.epoch < o.epochs) {
        const it = source.batches(pos.epoch, pos.stepInEpoch)[Symbol.iterator]();
        while (pos.stepInEpoch < stepsPerEpoch) {
          if (o.maxSteps !== undefined && pos.step >= o.maxSteps) {
            reason = 'max-steps';
            break run;
          }
          const next = it.next();
          if (next.done)
            throw new Bert4tfjsError(
              `Trainer.fit: the source gave only ${pos.stepInEpoch} batches in epoch ${pos.epoch}, expected ${stepsPerEpoch}`,
              'bad-input',
            );
          const batch = next.value;
          const started = performance.now();
          let logs: StepLogs;
          try {
            const tokens = (this.options.countTokens ?? defaultTokenCount)(batch);
            const r = await this.trainStep(batch, pos.step + 1);
            logs = { ...r, epoch: pos.epoch, tokens, stepTime: (performance.now() - started) / 1000 };
          } catch (e) {
            if (e instanceof Bert4tfjsError && e.code === 'non-finite-loss') {
              log?.write({
                event: 'non-finite',
                step: pos.step + 1,
                epoch: pos.epoch,
                time: (performance.now() - t0) / 1000,
              });
              const last = lastCheckpoint
                ? `the last good checkpoint is ${lastCheckpoint}`
                : 'no checkpoint was written (set checkpointDir to keep one)';
              throw new Bert4tfjsError(
                `${e.message.replace(/; the weights were not updated$/, '')} (epoch ${pos.epoch}, batch ${pos.stepInEpoch} of the epoch); the weights were not updated and training stopped; ${last}`,
                e.code,
                { cause: e },
              );
            }
            throw e;
          } finally {
            tf.dispose(Object.values(batch));
          }
          pos = { ...pos, step: pos.step + 1, stepInEpoch: pos.stepInEpoch + 1 };
          history.push(logs);
          units += logs.tokens ?? logs.examples;
          unitTime += logs.stepTime;
          const epochEnd = pos.stepInEpoch === stepsPerEpoch;
          let metrics: Record<string, number> | undefined;
          if (o.evaluate && (o.evalEvery !== undefined ? pos.step % o.evalEvery === 0 : epochEnd)) {
            this.options.stepEngine?.sync();
            metrics = await o.evaluate({ step: pos.step, epoch: pos.epoch });
            evaluations.push({ step: pos.step, metrics });
            for (const cb of callbacks) await cb.onEvaluate?.(metrics, ctx);
          }
          for (const cb of callbacks) await cb.onStepEnd?.(logs, ctx);
          log?.write({
            event: 'step',
            ...logs,
            microBatchSize: this.lastPlan?.microBatchSize,
            metrics,
            time: (performance.now() - t0) / 1000,
          });
          progress.update({
            step: pos.step,
            epoch: logs.epoch,
            loss: logs.loss,
            speed: units / Math.max(unitTime, 1e-9),
            unit: logs.tokens !== null ? 'tok/s' : 'ex/s',
          });
          if (epochEnd) {
            for (const cb of callbacks) await cb.onEpochEnd?.(pos.epoch, ctx);
            pos = { ...pos, epoch: pos.epoch + 1, stepInEpoch: 0 };
          }
          const due = o.checkpointEvery !== undefined ? pos.step % o.checkpointEvery === 0 : epochEnd;
          if (due && this.stopReason === null) {
            await save();
            savedAt = pos.step;
          }
          if (this.stopReason !== null) {
            reason = 'stopped';
            break run;
          }
          if (epochEnd) break;
        }
      }
      if (savedAt !== pos.step && pos.step > resumedFrom) await save();
      this.options.stepEngine?.sync();
      log?.write({
        event: 'end',
        step: pos.step,
        epoch: pos.epoch,
        reason,
        message: this.stopReason,
        time: (performance.now() - t0) / 1000,
      });
      for (const cb of callbacks) await cb.onTrainEnd?.(ctx);
    } finally {
      progress.stop();
      log?.close();
    }
    const message =
      reason === 'stopped'
        ? this.stopReason!
        : reason === 'max-steps'
          ? `stopped after maxSteps = ${o.maxSteps}`
          : `completed ${o.epochs} epoch(s)`;
    return {
      step: pos.step,
      epoch: pos.epoch,
      stopReason: reason,
      message,
      history,
      evaluations,
      lastCheckpoint,
      resumedFrom,
    };
  }

  private resolveResume(o: FitOptions): string | null {
    if (o.resume === undefined || o.resume === false) return null;
    if (typeof o.resume === 'string' && o.resume !== 'auto') return o.resume;
    const latest = latestCheckpoint(o.checkpointDir!);
    if (latest === null && o.resume === true) {
      throw new Bert4tfjsError(
        `Trainer.fit: resume is set but ${o.checkpointDir} holds no checkpoint (use resume: 'auto' to start fresh when there is none)`,
        'missing-file',
      );
    }
    return latest?.path ?? null;
  }

  /** Loads a checkpoint into the weights, optimizer and callbacks; checks everything before changing anything. */
  private restore(
    path: string,
    source: BatchSource<TensorBatch>,
    stepsPerEpoch: number,
    callbacks: TrainerCallback[],
  ): Position {
    const ck = loadCheckpoint(path);
    try {
      const s = ck.state;
      const fp = source.fingerprint();
      if (JSON.stringify(fp) !== JSON.stringify(s.data) || s.stepsPerEpoch !== stepsPerEpoch) {
        throw new Bert4tfjsError(
          `${path}: saved for data ${JSON.stringify(s.data)} with ${s.stepsPerEpoch} steps per epoch, but this run has ${JSON.stringify(fp)} with ${stepsPerEpoch}; resuming would not replay the same batches`,
          'bad-state',
        );
      }
      for (const [key, v] of this.target.weights) {
        const t = ck.weights.get(key);
        if (t === undefined)
          throw new Bert4tfjsError(`${path}: no weight '${key}' in the checkpoint`, 'missing-tensor');
        if (!tf.util.arraysEqual(t.shape, v.shape))
          throw new Bert4tfjsError(
            `${path}: weight '${key}' has shape [${t.shape}], the model has [${v.shape}]`,
            'bad-shape',
          );
      }
      const extra = [...ck.weights.keys()].filter((k) => !this.target.weights.has(k));
      if (extra.length)
        throw new Bert4tfjsError(
          `${path}: the checkpoint has weights the model lacks: ${extra.slice(0, 5).join(', ')}`,
          'bad-state',
        );
      this.optimizer.setState(ck.optimizer);
      for (const [key, v] of this.target.weights) v.assign(ck.weights.get(key)!);
      for (const cb of callbacks)
        if (cb.name && cb.setState && s.callbacks[cb.name] !== undefined) cb.setState(s.callbacks[cb.name]);
      return { step: s.step, epoch: s.epoch, stepInEpoch: s.stepInEpoch };
    } finally {
      tf.dispose([...ck.weights.values(), ...ck.optimizer.values()]);
    }
  }
}
