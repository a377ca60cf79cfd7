/**
 * The optimizer chain of a training run, built from its {@link TrainingControls}: the base rule, decoupled
 * weight decay (biases and layer-norm weights excluded), LAMB's layer adaptation, the warm-up schedule,
 * gradient accumulation and the weight EMA — the composition bert4keras's `extend_with_*` describes.
 */
import {
  adafactor,
  adam,
  adax,
  extendWithEma,
  extendWithGradientAccumulation,
  extendWithLayerAdaptation,
  extendWithWeightDecay,
  warmupCosineDecay,
  warmupLinearDecay,
  type DeltaOptimizer,
  type ExponentialMovingAverage,
  type Optimizer,
  type Schedule,
} from '@bert4tfjs/core';
import type { TrainingControls } from './controls.ts';

/**
 * Weight names never decayed (nor trust-ratio scaled by LAMB): biases and layer-norm gains and shifts,
 * in our layer names (`…-Norm/gamma`) and in Hugging Face's (`LayerNorm.weight`).
 */
export const NO_DECAY_PATTERNS: readonly string[] = ['bias', 'Norm/gamma', 'Norm/beta', 'LayerNorm', 'layer_norm'];

/** A built optimizer and its EMA extension when --ema is on (to swap the averaged weights in). */
export interface BuiltOptimizer {
  optimizer: Optimizer;
  ema: ExponentialMovingAverage | null;
  /** Optimizer updates in the whole run (batches / grad-accum). */
  updates: number;
}

/** The learning-rate multiplier over `updates` optimizer updates. */
export function scheduleFor(c: TrainingControls, updates: number): Schedule {
  const warmupSteps = Math.round(updates * c.warmup);
  const totalSteps = Math.max(updates, warmupSteps);
  if (c.schedule === 'cosine') return warmupCosineDecay({ warmupSteps, totalSteps });
  return warmupLinearDecay({ warmupSteps, totalSteps, end: c.schedule === 'constant' ? 1 : 0 });
}

/** Builds the optimizer chain for `batches` training batches at peak learning rate `learningRate`. */
export function buildOptimizer(c: TrainingControls, learningRate: number, batches: number): BuiltOptimizer {
  const updates = Math.max(1, Math.floor(batches / c.gradAccum));
  const schedule = scheduleFor(c, updates);
  let base: DeltaOptimizer;
  if (c.optimizer === 'adafactor') base = adafactor({ learningRate, schedule });
  else if (c.optimizer === 'adax') base = adax({ learningRate, schedule });
  else base = adam({ learningRate, schedule });
  if (c.weightDecay > 0) base = extendWithWeightDecay(base, { rate: c.weightDecay, exclude: NO_DECAY_PATTERNS });
  if (c.optimizer === 'lamb') base = extendWithLayerAdaptation(base, { exclude: NO_DECAY_PATTERNS });
  let optimizer: Optimizer = base;
  if (c.gradAccum > 1) optimizer = extendWithGradientAccumulation(optimizer, c.gradAccum);
  const ema = c.ema !== null ? extendWithEma(optimizer, { decay: c.ema }) : null;
  return { optimizer: ema ?? optimizer, ema, updates };
}
