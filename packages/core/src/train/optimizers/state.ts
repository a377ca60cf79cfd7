/**
 * Slot variables (moments, accumulators, averaged weights) and the save/restore format they share:
 * one tensor per key `kind/slot/variableName` plus scalar counters `kind/counterName`.
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../../errors.ts';
import type { Gradients, TensorMapLike, Variables } from './types.ts';

/** Per-variable slot variables owned by one optimizer component; created lazily, freed by dispose(). */
export class Slots {
  private readonly table = new Map<string, Map<string, tf.Variable>>();

  /** @param owner the component's kind, the first part of every state key. */
  constructor(readonly owner: string) {}

  /** The slot `slot` of variable `name`, created non-trainable from `init()` on first use. */
  get(slot: string, name: string, init: () => tf.Tensor): tf.Variable {
    let bySlot = this.table.get(slot);
    if (bySlot === undefined) {
      bySlot = new Map();
      this.table.set(slot, bySlot);
    }
    let v = bySlot.get(name);
    if (v === undefined) {
      // Non-trainable: tf.variableGrads() without a list must not differentiate optimizer state.
      v = tf.tidy(() => init().variable(false));
      bySlot.set(name, v);
    }
    return v;
  }

  /** The slot if it exists. */
  find(slot: string, name: string): tf.Variable | undefined {
    return this.table.get(slot)?.get(name);
  }

  /** Every (variable name, slot variable) of one slot. */
  entries(slot: string): [string, tf.Variable][] {
    return [...(this.table.get(slot) ?? new Map<string, tf.Variable>()).entries()];
  }

  /** Adds copies of every slot to `into`, keyed `owner/slot/name`. */
  snapshot(into: Map<string, tf.Tensor>): void {
    for (const [slot, bySlot] of this.table) {
      for (const [name, v] of bySlot) into.set(`${this.owner}/${slot}/${name}`, v.clone());
    }
  }

  /** Replaces every slot with copies of `entries` (slot, variable name, value). */
  restore(entries: readonly [string, string, tf.Tensor][]): void {
    this.dispose();
    for (const [slot, name, value] of entries) this.get(slot, name, () => value.clone());
  }

  /** Frees every slot variable. */
  dispose(): void {
    for (const bySlot of this.table.values()) for (const v of bySlot.values()) v.dispose();
    this.table.clear();
  }
}

/** A component's share of a state map: its counters and slots, and the keys left for the inner optimizer. */
export interface OwnState {
  counters: Map<string, number>;
  slots: [string, string, tf.Tensor][];
  rest: Map<string, tf.Tensor>;
}

/** Splits `state` into the keys prefixed `owner/` (parsed) and the rest. */
export function splitState(owner: string, state: ReadonlyMap<string, tf.Tensor>): OwnState {
  const own: OwnState = { counters: new Map(), slots: [], rest: new Map() };
  const prefix = `${owner}/`;
  for (const [key, tensor] of state) {
    if (!(tensor instanceof tf.Tensor)) {
      throw new Bert4tfjsError(`setState: entry '${key}' must be a tf.Tensor`, 'bad-state');
    }
    if (!key.startsWith(prefix)) {
      own.rest.set(key, tensor);
      continue;
    }
    const tail = key.slice(prefix.length);
    const cut = tail.indexOf('/');
    if (cut < 0) own.counters.set(tail, tensor.dataSync()[0]);
    else own.slots.push([tail.slice(0, cut), tail.slice(cut + 1), tensor]);
  }
  return own;
}

/** Throws if a state map still holds keys nobody claimed (a state saved from a different optimizer). */
export function checkNoLeftovers(owner: string, rest: ReadonlyMap<string, tf.Tensor>): void {
  if (rest.size > 0) {
    const first = rest.keys().next().value as string;
    throw new Bert4tfjsError(
      `setState: unknown state key '${first}' (${rest.size} unclaimed); this optimizer chain ends in '${owner}' ` +
        `and expects keys like '${owner}/...' — was the state saved from a different optimizer?`,
      'bad-state',
    );
  }
}

/** Reads a counter saved by getState, or throws naming the missing key. */
export function counter(owner: string, counters: ReadonlyMap<string, number>, name: string): number {
  const value = counters.get(name);
  if (value === undefined || !Number.isInteger(value) || value < 0) {
    throw new Bert4tfjsError(
      `setState: missing or invalid counter '${owner}/${name}' (a non-negative integer)`,
      'bad-state',
    );
  }
  return value;
}

/** A Map view of a Map or a plain object. */
export function toMap<T extends tf.Tensor>(m: TensorMapLike<T>): ReadonlyMap<string, T> {
  return m instanceof Map ? m : new Map(Object.entries(m as Record<string, T>));
}

/**
 * Pairs every gradient with its variable, checking names and shapes first so a bad call changes nothing.
 * Variables without a gradient are skipped (frozen or unused this step).
 */
export function pairGradients(
  where: string,
  gradients: Gradients,
  variables: Variables,
): [string, tf.Tensor, tf.Variable][] {
  const grads = toMap(gradients);
  const vars = toMap(variables);
  const pairs: [string, tf.Tensor, tf.Variable][] = [];
  for (const [name, grad] of grads) {
    const variable = vars.get(name);
    if (variable === undefined) {
      const known = [...vars.keys()].slice(0, 8).join(', ');
      throw new Bert4tfjsError(
        `${where}: gradient '${name}' has no variable of that name (variables: ${known}${vars.size > 8 ? ', ...' : ''})`,
        'bad-argument',
      );
    }
    if (!(grad instanceof tf.Tensor))
      throw new Bert4tfjsError(`${where}: gradient '${name}' must be a tf.Tensor`, 'bad-argument');
    if (!tf.util.arraysEqual(grad.shape, variable.shape)) {
      throw new Bert4tfjsError(
        `${where}: gradient '${name}' has shape [${grad.shape}] but its variable has [${variable.shape}]`,
        'bad-shape',
      );
    }
    pairs.push([name, grad, variable]);
  }
  return pairs;
}
