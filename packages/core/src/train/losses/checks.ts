/**
 * Input checks shared by the losses (and the optimizers' option parsing). Every check runs before any
 * computation, and every failure names the argument or option at fault and what was expected.
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../../errors.ts';

/**
 * Throws unless every key of `options` is one of `valid`; the message names the unknown option and
 * lists the valid ones, so a typo (`labelSmothing`) never silently falls back to a default.
 */
export function checkOptionNames(where: string, options: object | undefined, valid: readonly string[]): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new Bert4tfjsError(`${where}: options must be an object, got ${describe(options)}`, 'bad-argument');
  }
  for (const key of Object.keys(options)) {
    if (!valid.includes(key)) {
      throw new Bert4tfjsError(
        `${where}: unknown option '${key}'; valid options are: ${valid.join(', ')}`,
        'bad-argument',
      );
    }
  }
}

/** Throws unless `value` is a finite number within [min, max] (bounds inclusive unless told otherwise). */
export function checkNumber(
  where: string,
  name: string,
  value: unknown,
  range: { min?: number; max?: number; minExclusive?: boolean; maxExclusive?: boolean; integer?: boolean } = {},
): number {
  const { min, max, minExclusive = false, maxExclusive = false, integer = false } = range;
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!integer || Number.isInteger(value)) &&
    (min === undefined || (minExclusive ? value > min : value >= min)) &&
    (max === undefined || (maxExclusive ? value < max : value <= max));
  if (!ok) {
    const lo = min === undefined ? '' : `${minExclusive ? '>' : '>='} ${min}`;
    const hi = max === undefined ? '' : `${maxExclusive ? '<' : '<='} ${max}`;
    const bounds = [lo, hi].filter(Boolean).join(' and ');
    throw new Bert4tfjsError(
      `${where}: option '${name}' must be a finite ${integer ? 'integer' : 'number'}${bounds ? ` ${bounds}` : ''}, ` +
        `got ${describe(value)}`,
      'bad-argument',
    );
  }
  return value as number;
}

/** Throws unless `t` is a tf.Tensor (a plain array passed by mistake is the usual culprit). */
export function checkTensor(where: string, name: string, t: unknown): asserts t is tf.Tensor {
  if (!(t instanceof tf.Tensor)) {
    throw new Bert4tfjsError(`${where}: '${name}' must be a tf.Tensor, got ${describe(t)}`, 'bad-argument');
  }
}

/** Throws unless the two shapes are identical. */
export function checkSameShape(where: string, aName: string, a: tf.Tensor, bName: string, b: tf.Tensor): void {
  if (!tf.util.arraysEqual(a.shape, b.shape)) {
    throw new Bert4tfjsError(
      `${where}: '${aName}' has shape [${a.shape}] but '${bName}' has shape [${b.shape}]; they must match`,
      'bad-shape',
    );
  }
}

/**
 * Checks integer class ids: each must be an integer in [0, numClasses). Entries whose `mask` is 0 are
 * skipped, so padding positions may hold any id (e.g. -100). Reads the data synchronously: a loss
 * must fail before it computes, not return NaN.
 */
export function checkClassIds(where: string, name: string, ids: tf.Tensor, numClasses: number, mask?: tf.Tensor): void {
  const values = ids.dataSync();
  const keep = mask?.dataSync();
  for (let i = 0; i < values.length; i++) {
    if (keep !== undefined && keep[i] === 0) continue;
    const v = values[i];
    if (!Number.isInteger(v) || v < 0 || v >= numClasses) {
      throw new Bert4tfjsError(
        `${where}: '${name}' holds ${v} at flat index ${i}; class ids must be integers in [0, ${numClasses})`,
        'bad-label',
      );
    }
  }
}

/** Throws unless every entry of `t` lies in [0, 1] (probabilities, soft or hard labels). */
export function checkProbabilities(where: string, name: string, t: tf.Tensor): void {
  const values = t.dataSync();
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= 0 && v <= 1)) {
      throw new Bert4tfjsError(
        `${where}: '${name}' holds ${v} at flat index ${i}; labels must lie in [0, 1]`,
        'bad-label',
      );
    }
  }
}

/** Short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (value instanceof tf.Tensor) return `a tensor of shape [${value.shape}]`;
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'object') return 'an object';
  return String(value);
}
