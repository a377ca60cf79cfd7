/**
 * Lookahead (Zhang et al. 2019, "Lookahead Optimizer: k steps forward, 1 step back"): the inner optimizer
 * explores with fast weights; every k of its updates the slow weights move part of the way towards them.
 */
import * as tf from '@tensorflow/tfjs';
import { checkNumber, checkOptionNames } from '../losses/checks.ts';
import { pairGradients } from './state.ts';
import { StepExtension } from './step-extension.ts';
import type { Gradients, Optimizer, OptimizerConfig, Variables } from './types.ts';

/** Options of {@link extendWithLookahead}. */
export interface LookaheadOptions {
  /** Inner updates between synchronizations (integer ≥ 1). Default 5. */
  k?: number;
  /** Step size of the slow weights, in (0, 1]. Default 0.5. */
  alpha?: number;
}

/**
 * Slow weights φ start as the weights before the first update; after every k-th inner update
 * φ ← φ + α·(θ − φ) and the fast weights are reset θ ← φ.
 */
export class Lookahead extends StepExtension {
  readonly k: number;
  readonly alpha: number;
  private readonly variables = new Map<string, tf.Variable>();

  constructor(inner: Optimizer, options: LookaheadOptions = {}) {
    checkOptionNames('extendWithLookahead', options, ['k', 'alpha']);
    super('lookahead', inner);
    this.k = checkNumber('extendWithLookahead', 'k', options.k ?? 5, { min: 1, integer: true });
    this.alpha = checkNumber('extendWithLookahead', 'alpha', options.alpha ?? 0.5, {
      min: 0,
      max: 1,
      minExclusive: true,
    });
  }

  applyGradients(gradients: Gradients, variables: Variables): void {
    const pairs = pairGradients('lookahead.applyGradients', gradients, variables);
    for (const [name, , variable] of pairs) {
      this.variables.set(name, variable);
      this.slots.get('slow', name, () => variable.clone());
    }
    const before = this.inner.iterations;
    this.inner.applyGradients(gradients, variables);
    const after = this.inner.iterations;
    if (after === before || after % this.k !== 0) return;
    for (const [name, slow] of this.slots.entries('slow')) {
      const fast = this.variables.get(name);
      if (fast === undefined) continue;
      tf.tidy(() => {
        const next = slow.add(fast.sub(slow).mul(this.alpha));
        slow.assign(next);
        fast.assign(next);
      });
    }
  }

  getConfig(): OptimizerConfig {
    return { kind: this.kind, k: this.k, alpha: this.alpha, inner: this.inner.getConfig() };
  }
}

/** Wraps `optimizer` with Lookahead (k fast steps, then one slow interpolation). */
export function extendWithLookahead(optimizer: Optimizer, options: LookaheadOptions = {}): Lookahead {
  return new Lookahead(optimizer, options);
}
