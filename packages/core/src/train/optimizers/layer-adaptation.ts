/**
 * Layer-wise adaptation (LAMB, You et al. 2020; bert4keras `extend_with_layer_adaptation`): every
 * variable's step is rescaled so its size is proportional to the variable's own norm.
 * LAMB = extendWithLayerAdaptation(adamW(...)).
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../../errors.ts';
import { checkOptionNames } from '../losses/checks.ts';
import { DeltaExtension, compilePatterns, patternSources, requireDeltaOptimizer } from './base.ts';
import { LrMultipliers } from './lr-multipliers.ts';
import type { DeltaOptimizer, OptimizerConfig, UpdateContext } from './types.ts';

/** Options of {@link extendWithLayerAdaptation}. */
export interface LayerAdaptationOptions {
  /** Variables whose name matches (regex search) keep the plain step. Default: none. */
  exclude?: readonly (string | RegExp)[];
  /** Below this, ‖update‖ counts as zero and the ratio is 1. Default 1e-7. */
  epsilon?: number;
}

/**
 * Trust ratio: with Δ the inner step and u = Δ / lr the update direction,
 * Δ' = Δ · ‖w‖ / ‖u‖ (ratio 1 when ‖w‖ = 0 or ‖u‖ ≤ ε), i.e. w ← w − lr · (‖w‖/‖u‖) · u.
 */
export class LayerAdaptation extends DeltaExtension {
  readonly exclude: RegExp[];
  readonly epsilon: number;

  constructor(inner: DeltaOptimizer, options: LayerAdaptationOptions = {}) {
    const where = 'extendWithLayerAdaptation';
    checkOptionNames(where, options, ['exclude', 'epsilon']);
    super('layerAdaptation', requireDeltaOptimizer(where, inner));
    for (let o: DeltaOptimizer | undefined = inner; o !== undefined; o = (o as Partial<DeltaExtension>).inner) {
      if (o instanceof LrMultipliers) {
        throw new Bert4tfjsError(
          `${where}: the optimizer already has learning-rate multipliers inside; the trust ratio would cancel them. ` +
            'Apply extendWithLrMultipliers after (around) extendWithLayerAdaptation',
          'bad-argument',
        );
      }
    }
    this.exclude = compilePatterns(where, 'exclude', options.exclude ?? []);
    const eps = options.epsilon ?? 1e-7;
    if (typeof eps !== 'number' || !(eps >= 0))
      throw new Bert4tfjsError(`${where}: option 'epsilon' must be a number >= 0`, 'bad-argument');
    this.epsilon = eps;
  }

  override computeDelta(ctx: UpdateContext): tf.Tensor {
    const delta = this.inner.computeDelta(ctx);
    if (ctx.lr <= 0 || this.exclude.some((p) => p.test(ctx.name))) return delta;
    const wNorm = tf.norm(ctx.variable);
    const uNorm = tf.norm(delta).div(ctx.lr);
    const useRatio = tf.logicalAnd(wNorm.greater(0), uNorm.greater(this.epsilon));
    const ratio = tf.where(useRatio, wNorm.div(tf.maximum(uNorm, this.epsilon)), tf.onesLike(wNorm));
    return delta.mul(ratio);
  }

  getConfig(): OptimizerConfig {
    return {
      kind: this.kind,
      exclude: patternSources(this.exclude),
      epsilon: this.epsilon,
      inner: this.inner.getConfig(),
    };
  }
}

/** Adds the LAMB trust ratio ‖w‖ / ‖update‖ to `optimizer` (a base optimizer or per-variable extension). */
export function extendWithLayerAdaptation(
  optimizer: DeltaOptimizer,
  options: LayerAdaptationOptions = {},
): LayerAdaptation {
  return new LayerAdaptation(optimizer, options);
}
