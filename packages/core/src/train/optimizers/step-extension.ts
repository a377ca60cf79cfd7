/**
 * Base of the step-level extensions (gradient accumulation, lookahead, EMA): they wrap a whole
 * optimizer step, keep their own slots and counters, and pass the rest of the state to the inner one.
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../../errors.ts';
import { Slots, counter, splitState } from './state.ts';
import type { Gradients, Optimizer, OptimizerConfig, Variables } from './types.ts';

/** A wrapper around a whole optimizer step, with slots and named integer counters of its own. */
export abstract class StepExtension implements Optimizer {
  protected readonly slots: Slots;
  /** Counters saved with the state (e.g. micro-batches seen). */
  protected readonly counters = new Map<string, number>();

  protected constructor(
    readonly kind: string,
    readonly inner: Optimizer,
    counterNames: readonly string[] = [],
  ) {
    const o = inner as Partial<Optimizer> | null;
    if (
      o === null ||
      typeof o !== 'object' ||
      typeof o.applyGradients !== 'function' ||
      typeof o.getState !== 'function'
    ) {
      throw new Bert4tfjsError(
        `${kind}: expected an optimizer to wrap (e.g. adam()), got ${String(inner)}`,
        'bad-argument',
      );
    }
    this.slots = new Slots(kind);
    for (const c of counterNames) this.counters.set(c, 0);
  }

  get iterations(): number {
    return this.inner.iterations;
  }

  abstract applyGradients(gradients: Gradients, variables: Variables): void;

  abstract getConfig(): OptimizerConfig;

  getState(): Map<string, tf.Tensor> {
    const state = this.inner.getState();
    for (const [c, value] of this.counters) state.set(`${this.kind}/${c}`, tf.scalar(value, 'int32'));
    this.slots.snapshot(state);
    return state;
  }

  setState(state: ReadonlyMap<string, tf.Tensor>): void {
    const own = splitState(this.kind, state);
    const values = [...this.counters.keys()].map((c) => [c, counter(this.kind, own.counters, c)] as const);
    this.inner.setState(own.rest);
    for (const [c, v] of values) this.counters.set(c, v);
    this.slots.restore(own.slots);
  }

  dispose(): void {
    this.slots.dispose();
    this.inner.dispose();
  }
}
