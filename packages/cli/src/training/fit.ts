/**
 * The fit every training command shares: the Trainer options the controls set (seeded dropout, clipping,
 * FGM / gradient penalty), evaluation with the EMA weights swapped in, the best weights kept on disk,
 * early stopping, checkpoints in the state directory that --resume continues from, and the choice of
 * which weights to save. Each command supplies only its model, data, loss and validation metric.
 */
import {
  EarlyStopping,
  type DataGenerator,
  type FitResult,
  type Perturbation,
  type Trainer,
  type TrainerCallback,
} from '@bert4tfjs/core';
import { BestWeights } from './best-weights.ts';
import type { TrainingControls } from './controls.ts';
import type { BuiltOptimizer } from './optimizer.ts';
import type { StateDir } from './state-dir.ts';

/** The variable FGM and the gradient penalty perturb: the token embedding matrix. */
export const TOKEN_EMBEDDING = 'Embedding-Token/embeddings';

/** The Trainer options the shared controls decide: the dropout seed, clipping, and the embedding perturbation. */
export function trainerControlOptions(c: TrainingControls): {
  seed: number;
  clipNorm?: number;
  perturbation?: Perturbation;
} {
  const perturbation: Perturbation | null =
    c.adversarial === 'fgm'
      ? { kind: 'fgm', variable: TOKEN_EMBEDDING, epsilon: c.advEpsilon }
      : c.gradientPenalty !== null
        ? { kind: 'gradient-penalty', variable: TOKEN_EMBEDDING, weight: c.gradientPenalty }
        : null;
  return {
    seed: c.seed,
    ...(c.clipNorm !== null ? { clipNorm: c.clipNorm } : {}),
    ...(perturbation ? { perturbation } : {}),
  };
}

/** What {@link fitWithControls} needs besides the trainer. */
export interface ControlledFit<T> {
  trainer: Trainer;
  gen: DataGenerator<T, Record<string, import('@tensorflow/tfjs').Tensor>>;
  controls: TrainingControls;
  optimizer: BuiltOptimizer;
  state: StateDir;
  epochs: number;
  evalEvery: number;
  /** Name of the validation metric in metrics.jsonl (higher is better), e.g. `valid_accuracy`. */
  monitor: string;
  /** The validation metric of the weights as they are now (EMA weights already swapped in). */
  validMetric: () => number;
  /** Called after each evaluation, e.g. to print a progress line. */
  onEvaluation?: (step: number, value: number, best: BestWeights) => void;
}

/** The trainer's result and the keeper of the best weights. */
export interface ControlledFitOutcome {
  fit: FitResult;
  best: BestWeights;
}

/** Runs `x.trainer` with the shared evaluation, best-weights, early-stopping and checkpoint machinery. */
export async function fitWithControls<T>(x: ControlledFit<T>): Promise<ControlledFitOutcome> {
  const { trainer, controls: c, optimizer } = x;
  const best = new BestWeights(x.state.best);
  const callbacks: TrainerCallback[] = [best];
  if (c.earlyStop !== null)
    callbacks.push(new EarlyStopping({ monitor: x.monitor, patience: c.earlyStop, mode: 'max' }));
  const fit = await trainer.fit(x.gen, {
    epochs: x.epochs,
    evalEvery: x.evalEvery,
    callbacks,
    checkpointDir: x.state.checkpoints,
    checkpointEvery: x.evalEvery,
    keepCheckpoints: 2,
    resume: c.resume,
    metricsPath: x.state.metrics,
    evaluate: async ({ step }) => {
      optimizer.ema?.apply(trainer.target.trainable);
      let value: number;
      try {
        value = x.validMetric();
        await best.consider(value, step, trainer.target.weights);
      } finally {
        optimizer.ema?.restore();
      }
      x.onEvaluation?.(step, value, best);
      return { [x.monitor]: value };
    },
  });
  return { fit, best };
}

/** Which weights a run saved, as summary.json records it. */
export interface SavedWeights {
  which: 'best' | 'last';
  step: number;
  metric: number | null;
}

/**
 * Puts the weights to save into the model: the best evaluated ones (--save best, when an evaluation
 * happened), else the last ones (EMA-averaged with --ema).
 */
export function keepChosenWeights(
  trainer: Trainer,
  outcome: ControlledFitOutcome,
  controls: TrainingControls,
  optimizer: BuiltOptimizer,
): SavedWeights {
  const { best, fit } = outcome;
  const useBest = controls.save === 'best' && best.restoreInto(trainer.target.weights);
  if (!useBest && optimizer.ema) optimizer.ema.apply(trainer.target.trainable);
  return useBest
    ? { which: 'best', step: best.bestStep, metric: best.best }
    : { which: 'last', step: fit.step, metric: null };
}
