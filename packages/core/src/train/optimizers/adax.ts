/**
 * AdaX (Li et al. 2020, "AdaX: Adaptive Gradient Descent with Exponential Long Term Memory"): the second
 * moment grows instead of decaying, so it remembers every gradient and the step size cannot blow up late.
 */
import * as tf from '@tensorflow/tfjs';
import { checkNumber, checkOptionNames } from '../losses/checks.ts';
import { BASE_OPTION_NAMES, BaseOptimizer, type BaseOptimizerOptions } from './base.ts';
import type { OptimizerConfig, UpdateContext } from './types.ts';

/** Options of {@link adax}. */
export interface AdaxOptions extends BaseOptimizerOptions {
  /** Default 1e-3. */
  learningRate?: number;
  /** First-moment decay in [0, 1). Default 0.9. */
  beta1?: number;
  /** Second-moment growth rate > 0. Default 1e-4. */
  beta2?: number;
  /** Added to √v (the uncorrected second moment, see the class comment). Default 1e-6. */
  epsilon?: number;
  /** Divide v by (1 + β2)^t − 1. Default true. */
  biasCorrection?: boolean;
}

/**
 * AdaX: m ← β1·m + (1 − β1)·g;  v ← (1 + β2)·v + β2·g²;  c = (1 + β2)^t − 1 (1 without biasCorrection);
 * w ← w − lr · √c · m / (√v + ε)   (no bias correction of m).
 * The bias correction v̂ = v / c is folded into the step size and ε is added to √v, not to √v̂, as the
 * authors' released implementation of the paper's algorithm (and Su Jianlin's Keras port) do; it equals
 * m / (√v̂ + ε/√c), so ε weighs ~1/√(tβ2) times more than in an "ε on √v̂" reading.
 */
export class Adax extends BaseOptimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly biasCorrection: boolean;

  constructor(options: AdaxOptions = {}) {
    checkOptionNames('adax', options, [...BASE_OPTION_NAMES, 'beta1', 'beta2', 'epsilon', 'biasCorrection']);
    super('adax', options, 1e-3);
    this.beta1 = checkNumber('adax', 'beta1', options.beta1 ?? 0.9, { min: 0, max: 1, maxExclusive: true });
    this.beta2 = checkNumber('adax', 'beta2', options.beta2 ?? 1e-4, { min: 0, minExclusive: true });
    this.epsilon = checkNumber('adax', 'epsilon', options.epsilon ?? 1e-6, { min: 0 });
    this.biasCorrection = options.biasCorrection ?? true;
  }

  computeDelta({ name, grad, variable, step, lr }: UpdateContext): tf.Tensor {
    const m = this.slots.get('m', name, () => tf.zerosLike(variable));
    const v = this.slots.get('v', name, () => tf.zerosLike(variable));
    const mNew = m.mul(this.beta1).add(grad.mul(1 - this.beta1));
    const vNew = v.mul(1 + this.beta2).add(grad.square().mul(this.beta2));
    m.assign(mNew);
    v.assign(vNew);
    const stepSize = lr * (this.biasCorrection ? Math.sqrt((1 + this.beta2) ** step - 1) : 1);
    return mNew.div(vNew.sqrt().add(this.epsilon)).mul(-stepSize);
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

/** Creates an {@link Adax} optimizer; unknown option names throw. */
export function adax(options: AdaxOptions = {}): Adax {
  return new Adax(options);
}
