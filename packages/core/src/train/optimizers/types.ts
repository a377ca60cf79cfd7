/**
 * The optimizer contract. Two layers, so that tricks compose like bert4keras's `extend_with_*`:
 *
 * - {@link Optimizer}: applies a step of gradients to variables, owns state that can be saved and restored.
 *   Step-level extensions (gradient accumulation, lookahead, EMA) wrap any Optimizer.
 * - {@link DeltaOptimizer}: an Optimizer that also exposes the per-variable change of a step
 *   (`computeDelta`). Per-variable extensions (weight decay, layer adaptation, learning-rate multipliers)
 *   wrap a DeltaOptimizer and transform that change; they must sit inside any step-level extension.
 */
import type * as tf from '@tensorflow/tfjs';

/** Name -> tensor, as a Map or a plain object (tfjs's NamedTensorMap). */
export type TensorMapLike<T extends tf.Tensor> = ReadonlyMap<string, T> | Readonly<Record<string, T>>;
/** Gradients keyed by variable name. */
export type Gradients = TensorMapLike<tf.Tensor>;
/** The variables to update, keyed by the same names as the gradients. */
export type Variables = TensorMapLike<tf.Variable>;

/** A JSON value inside an optimizer config. */
export type ConfigValue = number | string | boolean | null | ConfigValue[] | { [key: string]: ConfigValue };
/** A JSON description of an optimizer (and what it wraps) from which `optimizerFromConfig` rebuilds it. */
export interface OptimizerConfig {
  kind: string;
  [key: string]: ConfigValue;
}

/** What one per-variable update sees. */
export interface UpdateContext {
  /** The variable's name (the key shared by gradients and variables). */
  name: string;
  grad: tf.Tensor;
  variable: tf.Variable;
  /** 1-based number of the step being taken (1 for the first update). */
  step: number;
  /** The learning rate for this variable at this step (schedule and multipliers applied). */
  lr: number;
}

/** Applies gradients to variables; the interface every optimizer and extension honours. */
export interface Optimizer {
  /** Short name of the algorithm or extension, used in configs and state keys. */
  readonly kind: string;
  /** Number of updates applied to the variables so far. */
  readonly iterations: number;
  /**
   * One step: updates `variables` in place from `gradients` (keys must match; a variable without a
   * gradient is left alone). Throws before changing anything if a gradient has no variable or shapes differ.
   */
  applyGradients(gradients: Gradients, variables: Variables): void;
  /** Copies of every slot and counter, keyed `kind/slot/variableName`; the caller disposes them. */
  getState(): Map<string, tf.Tensor>;
  /** Restores what {@link getState} returned (the tensors are copied, the caller keeps ownership). */
  setState(state: ReadonlyMap<string, tf.Tensor>): void;
  /** The options, as JSON, to rebuild an equivalent optimizer. */
  getConfig(): OptimizerConfig;
  /** Frees every slot variable. */
  dispose(): void;
}

/** An Optimizer whose step is a sum of per-variable changes that extensions may transform. */
export interface DeltaOptimizer extends Optimizer {
  /** The learning rate for the given 1-based step (base rate times the schedule). */
  learningRateAt(step: number): number;
  /** The change (new − old) to `ctx.variable` for this step; updates the optimizer's own slots. Runs inside tf.tidy. */
  computeDelta(ctx: UpdateContext): tf.Tensor;
  /** Marks the step as done (advances `iterations`). Called once after every variable got its delta. */
  endStep(): void;
}

/** True when `opt` exposes per-variable deltas. */
export function isDeltaOptimizer(opt: Optimizer): opt is DeltaOptimizer {
  const o = opt as Partial<DeltaOptimizer>;
  return (
    typeof o.computeDelta === 'function' && typeof o.learningRateAt === 'function' && typeof o.endStep === 'function'
  );
}
