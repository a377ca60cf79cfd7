/**
 * The two building blocks behind every optimizer: {@link BaseOptimizer} (an update rule with slots, a
 * step counter and a learning-rate schedule) and {@link DeltaExtension} (a per-variable trick wrapped
 * around another DeltaOptimizer). Both step through {@link runDeltaStep}.
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../../errors.ts';
import { checkNumber } from '../losses/checks.ts';
import { type ScheduleLike, checkSchedule, evaluateSchedule, scheduleConfig } from './schedule.ts';
import { Slots, checkNoLeftovers, counter, pairGradients, splitState } from './state.ts';
import type { DeltaOptimizer, Gradients, OptimizerConfig, UpdateContext, Variables } from './types.ts';

/** Options every base optimizer accepts. */
export interface BaseOptimizerOptions {
  /** Base learning rate (> 0). */
  learningRate?: number;
  /** Multiplier of the learning rate as a function of updates already applied, e.g. piecewiseLinear(...). */
  schedule?: ScheduleLike;
}

/** Option names every base optimizer accepts. */
export const BASE_OPTION_NAMES = ['learningRate', 'schedule'] as const;

/**
 * Applies one step of a DeltaOptimizer: every variable gets `variable + computeDelta(...)`, then the
 * step counter advances. Each variable is updated inside its own tf.tidy, so nothing per step is kept.
 */
export function runDeltaStep(opt: DeltaOptimizer, gradients: Gradients, variables: Variables): void {
  const pairs = pairGradients(`${opt.kind}.applyGradients`, gradients, variables);
  const step = opt.iterations + 1;
  const lr = opt.learningRateAt(step);
  for (const [name, grad, variable] of pairs) {
    tf.tidy(() => {
      const delta = opt.computeDelta({ name, grad, variable, step, lr });
      variable.assign(variable.add(delta));
    });
  }
  opt.endStep();
}

/** An update rule with per-variable slots, a step counter and a scheduled learning rate. */
export abstract class BaseOptimizer implements DeltaOptimizer {
  protected readonly slots: Slots;
  protected readonly learningRate: number;
  protected readonly schedule: ScheduleLike | undefined;
  private steps = 0;

  protected constructor(
    readonly kind: string,
    options: BaseOptimizerOptions,
    defaultLearningRate: number,
  ) {
    this.slots = new Slots(kind);
    this.learningRate = checkNumber(kind, 'learningRate', options.learningRate ?? defaultLearningRate, {
      min: 0,
      minExclusive: true,
    });
    this.schedule = checkSchedule(kind, options.schedule);
  }

  get iterations(): number {
    return this.steps;
  }

  learningRateAt(step: number): number {
    return this.learningRate * evaluateSchedule(this.schedule, step - 1);
  }

  abstract computeDelta(ctx: UpdateContext): tf.Tensor;

  endStep(): void {
    this.steps++;
  }

  applyGradients(gradients: Gradients, variables: Variables): void {
    runDeltaStep(this, gradients, variables);
  }

  getState(): Map<string, tf.Tensor> {
    const state = new Map<string, tf.Tensor>([[`${this.kind}/iterations`, tf.scalar(this.steps, 'int32')]]);
    this.slots.snapshot(state);
    return state;
  }

  setState(state: ReadonlyMap<string, tf.Tensor>): void {
    const own = splitState(this.kind, state);
    checkNoLeftovers(this.kind, own.rest);
    const steps = counter(this.kind, own.counters, 'iterations');
    this.slots.restore(own.slots);
    this.steps = steps;
  }

  /** The options as JSON; subclasses add their own fields. */
  getConfig(): OptimizerConfig {
    return { kind: this.kind, learningRate: this.learningRate, schedule: scheduleConfig(this.schedule) };
  }

  dispose(): void {
    this.slots.dispose();
  }
}

/** A per-variable extension: forwards everything to `inner`; subclasses override computeDelta. */
export abstract class DeltaExtension implements DeltaOptimizer {
  protected constructor(
    readonly kind: string,
    readonly inner: DeltaOptimizer,
  ) {}

  get iterations(): number {
    return this.inner.iterations;
  }

  learningRateAt(step: number): number {
    return this.inner.learningRateAt(step);
  }

  computeDelta(ctx: UpdateContext): tf.Tensor {
    return this.inner.computeDelta(ctx);
  }

  endStep(): void {
    this.inner.endStep();
  }

  applyGradients(gradients: Gradients, variables: Variables): void {
    runDeltaStep(this, gradients, variables);
  }

  getState(): Map<string, tf.Tensor> {
    return this.inner.getState();
  }

  setState(state: ReadonlyMap<string, tf.Tensor>): void {
    this.inner.setState(state);
  }

  abstract getConfig(): OptimizerConfig;

  dispose(): void {
    this.inner.dispose();
  }
}

/** Throws unless `opt` exposes per-variable deltas (a base optimizer or per-variable extension). */
export function requireDeltaOptimizer(where: string, opt: unknown): DeltaOptimizer {
  const o = opt as Partial<DeltaOptimizer> | null;
  if (o === null || typeof o !== 'object' || typeof o.computeDelta !== 'function') {
    throw new Bert4tfjsError(
      `${where}: expected a base optimizer or a per-variable extension (adam, adamW, adafactor, adax, ` +
        `extendWithWeightDecay/LayerAdaptation/LrMultipliers); gradient accumulation, lookahead and EMA ` +
        `must be applied last, around these`,
      'bad-argument',
    );
  }
  return o as DeltaOptimizer;
}

/** Compiles name patterns (strings are regular expressions, searched anywhere in the name). */
export function compilePatterns(where: string, option: string, patterns: unknown): RegExp[] {
  if (!Array.isArray(patterns)) {
    throw new Bert4tfjsError(`${where}: option '${option}' must be an array of strings or RegExps`, 'bad-argument');
  }
  return patterns.map((p, i) => {
    if (p instanceof RegExp) return new RegExp(p.source, p.flags.replace('g', ''));
    if (typeof p !== 'string' || p === '') {
      throw new Bert4tfjsError(
        `${where}: option '${option}'[${i}] must be a non-empty string or a RegExp`,
        'bad-argument',
      );
    }
    try {
      return new RegExp(p);
    } catch (e) {
      throw new Bert4tfjsError(
        `${where}: option '${option}'[${i}] '${p}' is not a valid regular expression`,
        'bad-argument',
        { cause: e },
      );
    }
  });
}

/** Patterns back to JSON (RegExp flags are dropped; sources are kept). */
export function patternSources(patterns: readonly RegExp[]): string[] {
  return patterns.map((p) => p.source);
}
