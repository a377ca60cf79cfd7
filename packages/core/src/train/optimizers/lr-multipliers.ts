/**
 * Layer-wise learning-rate multipliers (bert4keras `extend_with_parameter_wise_lr`): e.g. a smaller rate
 * for the embeddings, a larger one for a fresh classification head.
 */
import type * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../../errors.ts';
import { describe } from '../losses/checks.ts';
import { DeltaExtension, requireDeltaOptimizer } from './base.ts';
import type { DeltaOptimizer, OptimizerConfig, UpdateContext } from './types.ts';

/**
 * Multiplies the learning rate of every variable by the product of the multipliers whose pattern
 * (a regular expression, searched in the variable name) matches: lr_w = lr · Π_{p matches w} m_p.
 * Everything wrapped inside sees the scaled rate. Put it outside extendWithLayerAdaptation: the trust
 * ratio normalizes the step size and would cancel a multiplier applied inside it.
 */
export class LrMultipliers extends DeltaExtension {
  readonly rules: [RegExp, number][];

  constructor(inner: DeltaOptimizer, multipliers: Readonly<Record<string, number>>) {
    super('lrMultipliers', requireDeltaOptimizer('extendWithLrMultipliers', inner));
    if (multipliers === null || typeof multipliers !== 'object' || Array.isArray(multipliers)) {
      throw new Bert4tfjsError(
        `extendWithLrMultipliers: expected { pattern: multiplier }, got ${describe(multipliers)}`,
        'bad-argument',
      );
    }
    this.rules = Object.entries(multipliers).map(([pattern, m]) => {
      if (typeof m !== 'number' || !Number.isFinite(m) || m < 0) {
        throw new Bert4tfjsError(
          `extendWithLrMultipliers: multiplier for '${pattern}' must be a finite number >= 0, got ${describe(m)}`,
          'bad-argument',
        );
      }
      try {
        return [new RegExp(pattern), m] as [RegExp, number];
      } catch (e) {
        throw new Bert4tfjsError(
          `extendWithLrMultipliers: '${pattern}' is not a valid regular expression`,
          'bad-argument',
          { cause: e },
        );
      }
    });
  }

  /** The multiplier for one variable name (1 when nothing matches). */
  multiplierFor(name: string): number {
    return this.rules.reduce((acc, [p, m]) => (p.test(name) ? acc * m : acc), 1);
  }

  override computeDelta(ctx: UpdateContext): tf.Tensor {
    return this.inner.computeDelta({ ...ctx, lr: ctx.lr * this.multiplierFor(ctx.name) });
  }

  getConfig(): OptimizerConfig {
    // Pairs, not an object: tfjs-layers camel-cases object keys when it reloads a training config.
    return { kind: this.kind, multipliers: this.rules.map(([p, m]) => [p.source, m]), inner: this.inner.getConfig() };
  }
}

/** Scales the learning rate per variable: `{ pattern: multiplier }`, matching multipliers multiply. */
export function extendWithLrMultipliers(
  optimizer: DeltaOptimizer,
  multipliers: Readonly<Record<string, number>>,
): LrMultipliers {
  return new LrMultipliers(optimizer, multipliers);
}
