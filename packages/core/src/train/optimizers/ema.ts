/**
 * Exponential moving average of the weights (bert4keras `extend_with_exponential_moving_average`):
 * evaluate and save with the averaged weights, keep training the raw ones.
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../../errors.ts';
import { checkNumber, checkOptionNames } from '../losses/checks.ts';
import { pairGradients, toMap } from './state.ts';
import { StepExtension } from './step-extension.ts';
import type { Gradients, Optimizer, OptimizerConfig, Variables } from './types.ts';

/** Options of {@link extendWithEma}. */
export interface EmaOptions {
  /** Decay d in [0, 1). Default 0.999. */
  decay?: number;
}

/**
 * Keeps a ← d·a + (1 − d)·w after every inner update (a starts as w before the first update).
 * `apply()` swaps the averages into the variables; `restore()` puts the exact original values back.
 */
export class ExponentialMovingAverage extends StepExtension {
  readonly decay: number;
  private readonly variables = new Map<string, tf.Variable>();
  private backups: Map<string, tf.Tensor> | null = null;

  constructor(inner: Optimizer, options: EmaOptions = {}) {
    checkOptionNames('extendWithEma', options, ['decay']);
    super('ema', inner);
    this.decay = checkNumber('extendWithEma', 'decay', options.decay ?? 0.999, { min: 0, max: 1, maxExclusive: true });
  }

  /** True between apply() and restore(). */
  get applied(): boolean {
    return this.backups !== null;
  }

  applyGradients(gradients: Gradients, variables: Variables): void {
    if (this.applied) {
      throw new Bert4tfjsError(
        'ema.applyGradients: the averaged weights are swapped in; call restore() before training on',
        'bad-state',
      );
    }
    const pairs = pairGradients('ema.applyGradients', gradients, variables);
    for (const [name, , variable] of pairs) {
      this.variables.set(name, variable);
      this.slots.get('average', name, () => variable.clone());
    }
    const before = this.inner.iterations;
    this.inner.applyGradients(gradients, variables);
    if (this.inner.iterations === before) return;
    for (const [name, , variable] of pairs) {
      const avg = this.slots.find('average', name)!;
      tf.tidy(() => {
        avg.assign(avg.mul(this.decay).add(variable.mul(1 - this.decay)));
      });
    }
  }

  /**
   * Swaps the averaged weights into the variables (keeping copies of the current ones).
   * `variables` is only needed after setState() on a fresh optimizer, before any training step.
   */
  apply(variables?: Variables): void {
    if (this.applied)
      throw new Bert4tfjsError(
        'ema.apply: the averaged weights are already swapped in; call restore() first',
        'bad-state',
      );
    if (variables !== undefined) for (const [name, v] of toMap(variables)) this.variables.set(name, v);
    const averages = this.slots.entries('average');
    for (const [name] of averages) {
      if (!this.variables.has(name)) {
        throw new Bert4tfjsError(
          `ema.apply: no variable known for averaged weight '${name}'; pass the variables: ema.apply(vars)`,
          'bad-argument',
        );
      }
    }
    const backups = new Map<string, tf.Tensor>();
    for (const [name, avg] of averages) {
      const v = this.variables.get(name)!;
      backups.set(name, v.clone());
      v.assign(avg);
    }
    this.backups = backups;
  }

  /** Puts back the exact weights that apply() replaced. */
  restore(): void {
    if (this.backups === null)
      throw new Bert4tfjsError('ema.restore: nothing to restore; call apply() first', 'bad-state');
    for (const [name, backup] of this.backups) {
      this.variables.get(name)!.assign(backup);
      backup.dispose();
    }
    this.backups = null;
  }

  getConfig(): OptimizerConfig {
    return { kind: this.kind, decay: this.decay, inner: this.inner.getConfig() };
  }

  override dispose(): void {
    if (this.backups !== null) for (const b of this.backups.values()) b.dispose();
    this.backups = null;
    super.dispose();
  }
}

/** Wraps `optimizer` with an exponential moving average of the weights it trains. */
export function extendWithEma(optimizer: Optimizer, options: EmaOptions = {}): ExponentialMovingAverage {
  return new ExponentialMovingAverage(optimizer, options);
}
