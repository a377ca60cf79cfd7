/**
 * Optimizers, composable like bert4keras's `extend_with_*`: a base rule (adam, adax, adafactor), then
 * per-variable extensions (weight decay, layer adaptation, lr multipliers), then step-level ones
 * (gradient accumulation, lookahead, EMA); toTfjsOptimizer() plugs any chain into tfjs-layers.
 */
export type {
  ConfigValue,
  DeltaOptimizer,
  Gradients,
  Optimizer,
  OptimizerConfig,
  TensorMapLike,
  UpdateContext,
  Variables,
} from './types.ts';
export { isDeltaOptimizer } from './types.ts';
export { BaseOptimizer, DeltaExtension, runDeltaStep, type BaseOptimizerOptions } from './base.ts';
export { StepExtension } from './step-extension.ts';
export { Adam, adam, type AdamOptions } from './adam.ts';
export { Adax, adax, type AdaxOptions } from './adax.ts';
export { Adafactor, adafactor, type AdafactorOptions } from './adafactor.ts';
export {
  WeightDecay,
  extendWithWeightDecay,
  adamW,
  DEFAULT_WEIGHT_DECAY_EXCLUDE,
  type WeightDecayOptions,
  type AdamWOptions,
} from './weight-decay.ts';
export { LayerAdaptation, extendWithLayerAdaptation, type LayerAdaptationOptions } from './layer-adaptation.ts';
export { LrMultipliers, extendWithLrMultipliers } from './lr-multipliers.ts';
export { GradientAccumulation, extendWithGradientAccumulation } from './accumulation.ts';
export { Lookahead, extendWithLookahead, type LookaheadOptions } from './lookahead.ts';
export { ExponentialMovingAverage, extendWithEma, type EmaOptions } from './ema.ts';
export {
  piecewiseLinear,
  warmupLinearDecay,
  warmupCosineDecay,
  scheduleFromConfig,
  type Schedule,
  type ScheduleLike,
  type ScheduleConfig,
  type WarmupDecayOptions,
} from './schedule.ts';
export { optimizerFromConfig } from './registry.ts';
export { TfjsOptimizerAdapter, toTfjsOptimizer } from './tfjs-adapter.ts';
