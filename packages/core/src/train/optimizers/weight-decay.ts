/**
 * Decoupled weight decay (Loshchilov & Hutter, "Decoupled Weight Decay Regularization"), as a per-variable
 * extension of any optimizer (bert4keras `extend_with_weight_decay`), and AdamW built from it.
 */
import type * as tf from '@tensorflow/tfjs';
import { checkNumber, checkOptionNames } from '../losses/checks.ts';
import { ADAM_OPTION_NAMES, type AdamOptions, adam } from './adam.ts';
import { DeltaExtension, compilePatterns, patternSources, requireDeltaOptimizer } from './base.ts';
import type { DeltaOptimizer, OptimizerConfig, UpdateContext } from './types.ts';

/** Names excluded from weight decay by default: LayerNorm parameters and biases. */
export const DEFAULT_WEIGHT_DECAY_EXCLUDE: readonly string[] = ['LayerNorm', 'layer_norm', 'bias'];

/** Options of {@link extendWithWeightDecay}. */
export interface WeightDecayOptions {
  /** λ ≥ 0. Default 0.01. */
  rate?: number;
  /** Variables whose name matches any pattern (regex search) are not decayed. Default LayerNorm/layer_norm/bias. */
  exclude?: readonly (string | RegExp)[];
}

/** Decoupled weight decay: w ← w + Δ_inner − lr · λ · w (skipped for excluded names). */
export class WeightDecay extends DeltaExtension {
  readonly rate: number;
  readonly exclude: RegExp[];

  constructor(inner: DeltaOptimizer, options: WeightDecayOptions = {}) {
    checkOptionNames('extendWithWeightDecay', options, ['rate', 'exclude']);
    super('weightDecay', requireDeltaOptimizer('extendWithWeightDecay', inner));
    this.rate = checkNumber('extendWithWeightDecay', 'rate', options.rate ?? 0.01, { min: 0 });
    this.exclude = compilePatterns('extendWithWeightDecay', 'exclude', options.exclude ?? DEFAULT_WEIGHT_DECAY_EXCLUDE);
  }

  /** True when `name` gets decayed. */
  decays(name: string): boolean {
    return this.rate > 0 && !this.exclude.some((p) => p.test(name));
  }

  override computeDelta(ctx: UpdateContext): tf.Tensor {
    const delta = this.inner.computeDelta(ctx);
    return this.decays(ctx.name) ? delta.sub(ctx.variable.mul(ctx.lr * this.rate)) : delta;
  }

  getConfig(): OptimizerConfig {
    return { kind: this.kind, rate: this.rate, exclude: patternSources(this.exclude), inner: this.inner.getConfig() };
  }
}

/** Adds decoupled weight decay to `optimizer` (a base optimizer or per-variable extension). */
export function extendWithWeightDecay(optimizer: DeltaOptimizer, options: WeightDecayOptions = {}): WeightDecay {
  return new WeightDecay(optimizer, options);
}

/** Options of {@link adamW}: Adam's plus the weight-decay ones. */
export interface AdamWOptions extends AdamOptions {
  /** λ ≥ 0. Default 0.01. */
  weightDecay?: number;
  /** Names not decayed (regex search). Default LayerNorm/layer_norm/bias. */
  excludeFromWeightDecay?: readonly (string | RegExp)[];
}

/** AdamW: Adam plus decoupled weight decay, w ← w − lr·(m̂/(√v̂ + ε) + λ·w). */
export function adamW(options: AdamWOptions = {}): WeightDecay {
  checkOptionNames('adamW', options, [...ADAM_OPTION_NAMES, 'weightDecay', 'excludeFromWeightDecay']);
  const { weightDecay, excludeFromWeightDecay, ...adamOptions } = options;
  return new WeightDecay(adam(adamOptions), {
    rate: weightDecay ?? 0.01,
    exclude: excludeFromWeightDecay ?? DEFAULT_WEIGHT_DECAY_EXCLUDE,
  });
}
