/**
 * AdaFactor (Shazeer & Stern 2018, "Adafactor: Adaptive Learning Rates with Sublinear Memory Cost"):
 * second moments of a matrix are kept as one row vector and one column vector, so the optimizer state of
 * a BERT-size model is a small fraction of Adam's. Defaults follow the paper and bert4keras.
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../../errors.ts';
import { checkNumber, checkOptionNames } from '../losses/checks.ts';
import { BASE_OPTION_NAMES, BaseOptimizer, type BaseOptimizerOptions } from './base.ts';
import { evaluateSchedule } from './schedule.ts';
import type { OptimizerConfig, UpdateContext } from './types.ts';

/** Options of {@link adafactor}. */
export interface AdafactorOptions extends BaseOptimizerOptions {
  /** A fixed rate; leave undefined for the relative step ρ_t = min(0.01, 1/√t). */
  learningRate?: number;
  /** Momentum on the (clipped) update; 0 keeps no first moment. Default 0. */
  beta1?: number;
  /** A constant second-moment decay in [0, 1); undefined uses β̂2_t = 1 − t^−0.8. */
  beta2?: number;
  /** Added to g² before averaging. Default 1e-30. */
  epsilon1?: number;
  /** Floor of RMS(w) when scaling by the parameter scale. Default 1e-3. */
  epsilon2?: number;
  /** d: the update is divided by max(1, RMS(u)/d); null turns clipping off. Default 1. */
  clippingThreshold?: number | null;
  /** Multiply the step by max(ε2, RMS(w)). Default true. */
  multiplyByParameterScale?: boolean;
  /** Factor a tensor's last two axes only when both are at least this long. Default 128. */
  minDimSizeToFactor?: number;
}

const OPTION_NAMES = [
  ...BASE_OPTION_NAMES,
  'beta1',
  'beta2',
  'epsilon1',
  'epsilon2',
  'clippingThreshold',
  'multiplyByParameterScale',
  'minDimSizeToFactor',
] as const;

/**
 * One AdaFactor step for a variable w with gradient g at step t:
 * β = beta2 ?? 1 − t^−0.8;  G = g² + ε1.
 * Factored (rank ≥ 2, last two axes ≥ minDimSizeToFactor): R ← β·R + (1 − β)·mean_cols(G),
 * C ← β·C + (1 − β)·mean_rows(G), V̂ = R·C / mean(R). Otherwise V̂ = V ← β·V + (1 − β)·G.
 * u = g / √V̂;  u ← u / max(1, RMS(u)/d);  with β1 > 0: m ← β1·m + (1 − β1)·u, u = m;
 * w ← w − lr_t · max(ε2, RMS(w)) · u, where lr_t = learningRate or min(0.01, 1/√t)
 * (times 0.05 without parameter scaling, as bert4keras), times the schedule.
 */
export class Adafactor extends BaseOptimizer {
  readonly relativeStep: boolean;
  readonly beta1: number;
  readonly beta2: number | undefined;
  readonly epsilon1: number;
  readonly epsilon2: number;
  readonly clippingThreshold: number | null;
  readonly multiplyByParameterScale: boolean;
  readonly minDimSizeToFactor: number;

  constructor(options: AdafactorOptions = {}) {
    const where = 'adafactor';
    checkOptionNames(where, options, OPTION_NAMES);
    super(where, options, 1);
    this.relativeStep = options.learningRate === undefined;
    this.beta1 = checkNumber(where, 'beta1', options.beta1 ?? 0, { min: 0, max: 1, maxExclusive: true });
    this.beta2 =
      options.beta2 === undefined
        ? undefined
        : checkNumber(where, 'beta2', options.beta2, { min: 0, max: 1, maxExclusive: true });
    this.epsilon1 = checkNumber(where, 'epsilon1', options.epsilon1 ?? 1e-30, { min: 0 });
    this.epsilon2 = checkNumber(where, 'epsilon2', options.epsilon2 ?? 1e-3, { min: 0 });
    const clip = options.clippingThreshold === undefined ? 1 : options.clippingThreshold;
    if (clip !== null) checkNumber(where, 'clippingThreshold', clip, { min: 0, minExclusive: true });
    this.clippingThreshold = clip;
    const mps = options.multiplyByParameterScale ?? true;
    if (typeof mps !== 'boolean')
      throw new Bert4tfjsError(`${where}: option 'multiplyByParameterScale' must be a boolean`, 'bad-argument');
    this.multiplyByParameterScale = mps;
    this.minDimSizeToFactor = checkNumber(where, 'minDimSizeToFactor', options.minDimSizeToFactor ?? 128, {
      min: 1,
      integer: true,
    });
  }

  override learningRateAt(step: number): number {
    if (!this.relativeStep) return super.learningRateAt(step);
    const rho = Math.min(0.01, 1 / Math.sqrt(step)) * (this.multiplyByParameterScale ? 1 : 0.05);
    return rho * evaluateSchedule(this.schedule, step - 1);
  }

  /** True when the second moment of a tensor of this shape is stored factored. */
  isFactored(shape: readonly number[]): boolean {
    const r = shape.length;
    return r >= 2 && shape[r - 1] >= this.minDimSizeToFactor && shape[r - 2] >= this.minDimSizeToFactor;
  }

  computeDelta({ name, grad, variable, step, lr }: UpdateContext): tf.Tensor {
    const beta2 = this.beta2 ?? 1 - step ** -0.8;
    const g2 = grad.square().add(this.epsilon1);
    const shape = variable.shape;
    let vHat: tf.Tensor;
    if (this.isFactored(shape)) {
      const r = shape.length;
      const vr = this.slots.get('vr', name, () => tf.zeros([...shape.slice(0, -1), 1]));
      const vc = this.slots.get('vc', name, () => tf.zeros([...shape.slice(0, -2), 1, shape[r - 1]]));
      const vrNew = vr.mul(beta2).add(g2.mean(-1, true).mul(1 - beta2));
      const vcNew = vc.mul(beta2).add(g2.mean(-2, true).mul(1 - beta2));
      vr.assign(vrNew);
      vc.assign(vcNew);
      vHat = vrNew.mul(vcNew).div(vrNew.mean(-2, true));
    } else {
      const v = this.slots.get('v', name, () => tf.zerosLike(variable));
      const vNew = v.mul(beta2).add(g2.mul(1 - beta2));
      v.assign(vNew);
      vHat = vNew;
    }
    let u = grad.div(vHat.sqrt());
    if (this.clippingThreshold !== null) u = u.div(tf.maximum(1, rms(u).div(this.clippingThreshold)));
    if (this.beta1 > 0) {
      const m = this.slots.get('m', name, () => tf.zerosLike(variable));
      const mNew = m.mul(this.beta1).add(u.mul(1 - this.beta1));
      m.assign(mNew);
      u = mNew;
    }
    if (this.multiplyByParameterScale) u = u.mul(tf.maximum(rms(variable), this.epsilon2));
    return u.mul(-lr);
  }

  override getConfig(): OptimizerConfig {
    return {
      ...super.getConfig(),
      learningRate: this.relativeStep ? null : this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2 ?? null,
      epsilon1: this.epsilon1,
      epsilon2: this.epsilon2,
      clippingThreshold: this.clippingThreshold,
      multiplyByParameterScale: this.multiplyByParameterScale,
      minDimSizeToFactor: this.minDimSizeToFactor,
    };
  }
}

/** Root mean square of all entries. */
function rms(x: tf.Tensor): tf.Tensor {
  return x.square().mean().sqrt();
}

/** Creates an {@link Adafactor} optimizer; unknown option names throw. */
export function adafactor(options: AdafactorOptions = {}): Adafactor {
  return new Adafactor(options);
}
