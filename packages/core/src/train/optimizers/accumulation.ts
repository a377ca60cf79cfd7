/**
 * Gradient accumulation (bert4keras `extend_with_gradient_accumulation`): k small micro-batches act as one
 * big batch, the way to fit large effective batches into wasm's 4 GiB heap (see ENGINE-NOTES).
 */
import * as tf from '@tensorflow/tfjs';
import { checkNumber } from '../losses/checks.ts';
import { pairGradients } from './state.ts';
import { StepExtension } from './step-extension.ts';
import type { Gradients, Optimizer, OptimizerConfig, Variables } from './types.ts';

/**
 * Sums the gradients of k calls and, on every k-th call, applies their mean (1/k)·Σ g_i once through
 * the inner optimizer. For a loss that is a mean over equal-size micro-batches, this equals one step on
 * the k-times larger batch. Calls in between leave the variables untouched.
 */
export class GradientAccumulation extends StepExtension {
  readonly steps: number;
  private readonly variables = new Map<string, tf.Variable>();

  constructor(inner: Optimizer, steps: number) {
    super('accumulation', inner, ['microSteps']);
    this.steps = checkNumber('extendWithGradientAccumulation', 'steps', steps, { min: 1, integer: true });
  }

  /** Micro-batches accumulated since the last real update (0 ≤ n < steps). */
  get microSteps(): number {
    return this.counters.get('microSteps') ?? 0;
  }

  applyGradients(gradients: Gradients, variables: Variables): void {
    const pairs = pairGradients('accumulation.applyGradients', gradients, variables);
    for (const [name, grad, variable] of pairs) {
      this.variables.set(name, variable);
      const acc = this.slots.get('grad', name, () => tf.zerosLike(grad));
      tf.tidy(() => {
        acc.assign(acc.add(grad));
      });
    }
    const seen = this.microSteps + 1;
    if (seen < this.steps) {
      this.counters.set('microSteps', seen);
      return;
    }
    const averaged = new Map<string, tf.Tensor>();
    try {
      for (const [name, acc] of this.slots.entries('grad')) {
        if (this.variables.has(name)) averaged.set(name, acc.div(this.steps));
      }
      this.inner.applyGradients(averaged, this.variables);
    } finally {
      for (const t of averaged.values()) t.dispose();
    }
    for (const [, acc] of this.slots.entries('grad')) {
      tf.tidy(() => {
        acc.assign(tf.zerosLike(acc));
      });
    }
    this.counters.set('microSteps', 0);
  }

  /**
   * Counts one micro-batch whose gradient a step engine accumulated outside tfjs (the slots stay as
   * they are); true when it completes an update, which the caller then counts on the inner optimizer.
   */
  countMicroStep(): boolean {
    const seen = this.microSteps + 1;
    this.counters.set('microSteps', seen < this.steps ? seen : 0);
    return seen >= this.steps;
  }

  getConfig(): OptimizerConfig {
    return { kind: this.kind, steps: this.steps, inner: this.inner.getConfig() };
  }
}

/** Wraps `optimizer` so it applies the mean gradient once every `steps` calls. */
export function extendWithGradientAccumulation(optimizer: Optimizer, steps: number): GradientAccumulation {
  return new GradientAccumulation(optimizer, steps);
}
