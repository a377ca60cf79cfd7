/**
 * Adam (Kingma & Ba 2015). With `extendWithWeightDecay` (see weight-decay.ts) it becomes AdamW.
 */
import * as tf from '@tensorflow/tfjs';
import { checkNumber, checkOptionNames } from '../losses/checks.ts';
import { BASE_OPTION_NAMES, BaseOptimizer, type BaseOptimizerOptions } from './base.ts';
import type { OptimizerConfig, UpdateContext } from './types.ts';

/** Options of {@link adam}. */
export interface AdamOptions extends BaseOptimizerOptions {
  /** Default 1e-3. */
  learningRate?: number;
  /** Decay of the first moment, in [0, 1). Default 0.9. */
  beta1?: number;
  /** Decay of the second moment, in [0, 1). Default 0.999. */
  beta2?: number;
  /** Added to √v̂ in the denominator. Default 1e-6 (as bert4keras). */
  epsilon?: number;
  /** Divide the moments by (1 − β^t). Default true. */
  biasCorrection?: boolean;
}

/** Option names of {@link adam}. */
export const ADAM_OPTION_NAMES = [...BASE_OPTION_NAMES, 'beta1', 'beta2', 'epsilon', 'biasCorrection'] as const;

/**
 * Adam: m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²;
 * m̂ = m / (1 − β1^t), v̂ = v / (1 − β2^t) (when biasCorrection);  w ← w − lr · m̂ / (√v̂ + ε).
 */
export class Adam extends BaseOptimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly biasCorrection: boolean;

  constructor(options: AdamOptions = {}) {
    checkOptionNames('adam', options, ADAM_OPTION_NAMES);
    super('adam', options, 1e-3);
    this.beta1 = checkNumber('adam', 'beta1', options.beta1 ?? 0.9, { min: 0, max: 1, maxExclusive: true });
    this.beta2 = checkNumber('adam', 'beta2', options.beta2 ?? 0.999, { min: 0, max: 1, maxExclusive: true });
    this.epsilon = checkNumber('adam', 'epsilon', options.epsilon ?? 1e-6, { min: 0 });
    this.biasCorrection = options.biasCorrection ?? true;
  }

  computeDelta({ name, grad, variable, step, lr }: UpdateContext): tf.Tensor {
    const m = this.slots.get('m', name, () => tf.zerosLike(variable));
    const v = this.slots.get('v', name, () => tf.zerosLike(variable));
    const mNew = m.mul(this.beta1).add(grad.mul(1 - this.beta1));
    const vNew = v.mul(this.beta2).add(grad.square().mul(1 - this.beta2));
    m.assign(mNew);
    v.assign(vNew);
    const mHat = this.biasCorrection ? mNew.div(1 - this.beta1 ** step) : mNew;
    const vHat = this.biasCorrection ? vNew.div(1 - this.beta2 ** step) : vNew;
    return mHat.div(vHat.sqrt().add(this.epsilon)).mul(-lr);
  }

  override getConfig(): OptimizerConfig {
    return {
      ...super.getConfig(),
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      biasCorrection: this.biasCorrection,
    };
  }
}

/** Creates an {@link Adam} optimizer; unknown option names throw. */
export function adam(options: AdamOptions = {}): Adam {
  return new Adam(options);
}
