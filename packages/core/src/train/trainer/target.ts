/**
 * What the trainer trains: a tfjs-layers model with a loss on its outputs, or a loss function over
 * explicit variables. Both become a {@link TrainTarget}: named variables plus loss(batch, training).
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../../errors.ts';
import { describe } from '../losses/checks.ts';
import type { TensorBatch } from '../data/tensor-batch.ts';

/** A loss over a batch; `training` is true during training steps (dropout on). */
export type LossFn = (batch: TensorBatch, training: boolean) => tf.Scalar;
/** A loss over a model's outputs (in the order of `model.outputs`) and the batch (labels). */
export type ModelLossFn = (outputs: tf.Tensor[], batch: TensorBatch) => tf.Scalar;

/** The trainable side of a trainer. */
export interface TrainTarget {
  /** Trainable variables by a stable key (the same in every process that builds the same model). */
  trainable: Map<string, tf.Variable>;
  /** Every weight saved in checkpoints (trainable and not), by stable key. */
  weights: Map<string, tf.Variable>;
  loss: LossFn;
}

/** Builds the target of a tfjs-layers model: inputs fed by name from the batch, `loss` on the outputs. */
export function modelTarget(model: tf.LayersModel, loss: ModelLossFn, inputs?: readonly string[]): TrainTarget {
  if (typeof loss !== 'function')
    throw new Bert4tfjsError(
      `Trainer: with a model, option 'loss' must be a function (outputs, batch) => scalar, got ${describe(loss)}`,
      'bad-argument',
    );
  const names = inputs ?? model.inputNames;
  if (names.length !== model.inputs.length) {
    throw new Bert4tfjsError(
      `Trainer: option 'inputs' names ${names.length} batch keys but the model has ${model.inputs.length} inputs (${model.inputNames.join(', ')})`,
      'bad-argument',
    );
  }
  // originalName does not get the `_1` suffix tfjs adds when a second model is built in one process.
  const keyed = (list: tf.LayerVariable[]): Map<string, tf.Variable> => {
    const m = new Map<string, tf.Variable>();
    for (const w of list) {
      const key = m.has(w.originalName) ? w.name : w.originalName;
      m.set(key, w.read() as tf.Variable);
    }
    return m;
  };
  return {
    trainable: keyed(model.trainableWeights),
    weights: keyed(model.weights),
    loss: (batch, training) => {
      const feeds = names.map((n) => {
        const t = batch[n];
        if (t === undefined)
          throw new Bert4tfjsError(
            `Trainer: the batch has no '${n}' for the model input (batch keys: ${Object.keys(batch).join(', ')})`,
            'bad-input',
          );
        return t;
      });
      const out = model.apply(feeds.length === 1 ? feeds[0] : feeds, { training }) as tf.Tensor | tf.Tensor[];
      return loss(Array.isArray(out) ? out : [out], batch);
    },
  };
}

/** Builds the target of a loss function over explicit variables (an array keyed by variable name, or a record). */
export function variablesTarget(
  variables: readonly tf.Variable[] | Readonly<Record<string, tf.Variable>>,
  lossFn: LossFn,
): TrainTarget {
  if (typeof lossFn !== 'function')
    throw new Bert4tfjsError(
      `Trainer: option 'lossFn' must be a function (batch, training) => scalar, got ${describe(lossFn)}`,
      'bad-argument',
    );
  const entries: [string, tf.Variable][] = Array.isArray(variables)
    ? variables.map((v) => [v.name, v])
    : Object.entries(variables as Record<string, tf.Variable>);
  if (entries.length === 0)
    throw new Bert4tfjsError("Trainer: option 'variables' is empty; there is nothing to train", 'bad-argument');
  for (const [k, v] of entries) {
    if (!(v instanceof tf.Variable))
      throw new Bert4tfjsError(`Trainer: variable '${k}' is not a tf.Variable (got ${describe(v)})`, 'bad-argument');
  }
  const all = new Map(entries);
  return { trainable: new Map(entries.filter(([, v]) => v.trainable)), weights: all, loss: lossFn };
}

/** Bytes held by a set of variables. */
export function variableBytes(vars: Iterable<tf.Variable>): number {
  let n = 0;
  for (const v of vars) n += v.size * (v.dtype === 'bool' ? 1 : 4);
  return n;
}
