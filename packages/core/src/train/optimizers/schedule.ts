/**
 * Learning-rate schedules: multipliers of an optimizer's `learningRate`, as functions of t, the number of
 * updates already applied (0 for the first update), like bert4keras's `extend_with_piecewise_linear_lr`.
 */
import { Bert4tfjsError } from '../../errors.ts';
import { checkNumber, checkOptionNames, describe } from '../losses/checks.ts';
import type { ConfigValue } from './types.ts';

/** A JSON description of a schedule; `kind: 'custom'` marks a user function that cannot be rebuilt. */
export interface ScheduleConfig {
  kind: string;
  [key: string]: ConfigValue;
}

/** A learning-rate multiplier as a function of t (updates already applied), with its config. */
export interface Schedule {
  (t: number): number;
  readonly config: ScheduleConfig;
}

/** What optimizers accept: one of ours, or any function t -> multiplier (not serializable). */
export type ScheduleLike = Schedule | ((t: number) => number);

/**
 * Piecewise-linear multiplier through the given (step, value) points, constant after the last one.
 * As in bert4keras, when the first step is not 0 the curve starts from (0, 0).
 * Steps must be finite numbers >= 0 in increasing order (pass pairs to control the order yourself;
 * in an object, JS lists integer keys in ascending order whatever order they were written in).
 * @example piecewiseLinear({ 0: 0, 1000: 1, 10000: 0.1 }) // warm up over 1000 steps, then decay to 0.1
 */
export function piecewiseLinear(
  points: Readonly<Record<string, number>> | readonly (readonly [number, number])[],
): Schedule {
  const where = 'piecewiseLinear';
  if (points === null || typeof points !== 'object') {
    throw new Bert4tfjsError(
      `${where}: expected an object { step: value } or [step, value] pairs, got ${describe(points)}`,
      'bad-schedule',
    );
  }
  const raw: [unknown, unknown][] = Array.isArray(points)
    ? points.map((p, i) => {
        if (!Array.isArray(p) || p.length !== 2) {
          throw new Bert4tfjsError(
            `${where}: entry ${i} must be a [step, value] pair, got ${describe(p)}`,
            'bad-schedule',
          );
        }
        return [p[0], p[1]] as [unknown, unknown];
      })
    : Object.entries(points).map(([k, v]) => [k.trim() === '' ? NaN : Number(k), v] as [unknown, unknown]);
  if (raw.length === 0) throw new Bert4tfjsError(`${where}: needs at least one (step, value) point`, 'bad-schedule');
  const table: [number, number][] = [];
  raw.forEach(([step, value], i) => {
    if (typeof step !== 'number' || !Number.isFinite(step)) {
      throw new Bert4tfjsError(
        `${where}: step of entry ${i} is not a finite number (${describe(Array.isArray(points) ? step : Object.keys(points)[i])})`,
        'bad-schedule',
      );
    }
    if (step < 0)
      throw new Bert4tfjsError(`${where}: step ${step} is negative; steps count updates from 0`, 'bad-schedule');
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new Bert4tfjsError(
        `${where}: value at step ${step} must be a finite number, got ${describe(value)}`,
        'bad-schedule',
      );
    }
    const prev = table[table.length - 1];
    if (prev !== undefined && step <= prev[0]) {
      throw new Bert4tfjsError(
        `${where}: steps must increase strictly, but ${step} comes after ${prev[0]}`,
        'bad-schedule',
      );
    }
    table.push([step, value]);
  });
  if (table[0][0] !== 0) table.unshift([0, 0]);
  const fn = (t: number): number => {
    if (t <= table[0][0]) return table[0][1];
    for (let i = 1; i < table.length; i++) {
      const [t1, x1] = table[i];
      if (t < t1) {
        const [t0, x0] = table[i - 1];
        return x0 + ((x1 - x0) * (t - t0)) / (t1 - t0);
      }
    }
    return table[table.length - 1][1];
  };
  return withConfig(fn, { kind: 'piecewiseLinear', points: table.map(([s, v]) => [s, v]) });
}

/** Options of {@link warmupLinearDecay} and {@link warmupCosineDecay}. */
export interface WarmupDecayOptions {
  /** Updates spent rising linearly from 0 to 1. */
  warmupSteps: number;
  /** Update at which the decay reaches `end` (and stays). Must be >= warmupSteps. */
  totalSteps: number;
  /** Final multiplier. Default 0. */
  end?: number;
}

/** Linear warm-up 0 -> 1 over `warmupSteps`, then linear decay to `end` at `totalSteps` (BERT's schedule). */
export function warmupLinearDecay(options: WarmupDecayOptions): Schedule {
  const { warmupSteps, totalSteps, end } = checkWarmup('warmupLinearDecay', options);
  const points: [number, number][] =
    warmupSteps > 0
      ? [
          [0, 0],
          [warmupSteps, 1],
        ]
      : [[0, 1]];
  if (totalSteps > warmupSteps) points.push([totalSteps, end]);
  return piecewiseLinear(points);
}

/** Linear warm-up 0 -> 1 over `warmupSteps`, then half a cosine down to `end` at `totalSteps`. */
export function warmupCosineDecay(options: WarmupDecayOptions): Schedule {
  const { warmupSteps, totalSteps, end } = checkWarmup('warmupCosineDecay', options);
  const fn = (t: number): number => {
    if (t < warmupSteps) return t / warmupSteps;
    if (t >= totalSteps) return end;
    const progress = (t - warmupSteps) / (totalSteps - warmupSteps);
    return end + (1 - end) * 0.5 * (1 + Math.cos(Math.PI * progress));
  };
  return withConfig(fn, { kind: 'warmupCosineDecay', warmupSteps, totalSteps, end });
}

/** Rebuilds a schedule from its config; a custom function cannot be rebuilt and throws. */
export function scheduleFromConfig(config: ScheduleConfig): Schedule {
  switch (config.kind) {
    case 'piecewiseLinear':
      return piecewiseLinear(config.points as [number, number][]);
    case 'warmupCosineDecay':
      return warmupCosineDecay({
        warmupSteps: config.warmupSteps as number,
        totalSteps: config.totalSteps as number,
        end: config.end as number,
      });
    case 'custom':
      throw new Bert4tfjsError(
        'scheduleFromConfig: a custom schedule function was saved; pass it again when rebuilding',
        'bad-schedule',
      );
    default:
      throw new Bert4tfjsError(`scheduleFromConfig: unknown schedule kind '${String(config.kind)}'`, 'bad-schedule');
  }
}

/** The config of a schedule option (null for none, kind 'custom' for a plain function). */
export function scheduleConfig(schedule: ScheduleLike | undefined): ScheduleConfig | null {
  if (schedule === undefined) return null;
  return (schedule as Partial<Schedule>).config ?? { kind: 'custom' };
}

/** Checks an optimizer's `schedule` option. */
export function checkSchedule(where: string, schedule: unknown): ScheduleLike | undefined {
  if (schedule === undefined) return undefined;
  if (typeof schedule !== 'function') {
    throw new Bert4tfjsError(
      `${where}: option 'schedule' must be a function t -> multiplier (e.g. piecewiseLinear(...)), got ${describe(schedule)}`,
      'bad-argument',
    );
  }
  return schedule as ScheduleLike;
}

/** Evaluates a schedule at t, refusing a non-finite or negative multiplier. */
export function evaluateSchedule(schedule: ScheduleLike | undefined, t: number): number {
  if (schedule === undefined) return 1;
  const m = schedule(t);
  if (typeof m !== 'number' || !Number.isFinite(m) || m < 0) {
    throw new Bert4tfjsError(
      `schedule: returned ${describe(m)} at t = ${t}; multipliers must be finite numbers >= 0`,
      'bad-schedule',
    );
  }
  return m;
}

function withConfig(fn: (t: number) => number, config: ScheduleConfig): Schedule {
  return Object.assign(fn, { config }) as Schedule;
}

function checkWarmup(where: string, options: WarmupDecayOptions): Required<WarmupDecayOptions> {
  checkOptionNames(where, options, ['warmupSteps', 'totalSteps', 'end']);
  if (options === undefined)
    throw new Bert4tfjsError(`${where}: options { warmupSteps, totalSteps } are required`, 'bad-schedule');
  const warmupSteps = checkNumber(where, 'warmupSteps', options.warmupSteps, { min: 0 });
  const totalSteps = checkNumber(where, 'totalSteps', options.totalSteps, { min: warmupSteps });
  const end = checkNumber(where, 'end', options.end ?? 0, { min: 0 });
  return { warmupSteps, totalSteps, end };
}
