/**
 * Shared plumbing for our tfjs-layers custom layers: shape and config types, initializers, and the
 * registration that makes `model.save` / `tf.loadLayersModel` round-trip them.
 */
import * as tf from '@tensorflow/tfjs';

/** A symbolic shape as tfjs-layers passes it (null = unknown dimension). */
export type Shape = Array<number | null>;

/** The constructor arguments every tfjs-layers Layer accepts (name, trainable, ...). */
export type LayerArgs = NonNullable<ConstructorParameters<typeof tf.layers.Layer>[0]>;

/** A JSON-serialisable layer config. */
export type LayerConfig = tf.serialization.ConfigDict;

/** Extra call arguments (tfjs passes `training` here during fit). */
export type Kwargs = Record<string, unknown>;

type Initializer = ReturnType<typeof tf.initializers.truncatedNormal>;

/**
 * While a deferral is open, random-initialised weights start as zeros (fast) and are remembered by their
 * data id; `finish` later draws the real random values for those the checkpoint did not overwrite. Drawing
 * truncated normals runs in JavaScript (~11 s for BERT-base's 110M weights), wasted when a checkpoint
 * replaces them a moment later.
 */
let deferral: Map<object, number> | null = null;

/** The truncated-normal initializer BERT uses (`initializer_range`); deferrable, see {@link deferInitialization}. */
export function bertInitializer(stddev: number): Initializer {
  const real = tf.initializers.truncatedNormal({ stddev });
  const deferrable = Object.create(real) as Initializer;
  deferrable.apply = (shape, dtype) => {
    if (!deferral) return real.apply(shape, dtype);
    const zeros = tf.zeros(shape as number[], dtype);
    deferral.set(zeros.dataId, stddev);
    return zeros;
  };
  return deferrable;
}

/** An open deferral of random initialisation (see {@link deferInitialization}). */
export interface InitDeferral {
  /** Stops deferring: weights created from now on are initialised normally. */
  close(): void;
  /**
   * Draws the random values of deferred weights that still hold their placeholder zeros (i.e. were not
   * loaded from a checkpoint). Returns how many were initialised.
   */
  finish(weights: tf.LayerVariable[]): number;
}

/**
 * Defers the random initialisation of weights created until `close()`: use it around building a model
 * whose weights a checkpoint is about to overwrite, then call `finish(model.weights)` after loading.
 */
export function deferInitialization(): InitDeferral {
  const pending = new Map<object, number>();
  deferral = pending;
  return {
    close() {
      if (deferral === pending) deferral = null;
    },
    finish(weights) {
      let count = 0;
      for (const w of weights) {
        const stddev = pending.get(w.read().dataId);
        if (stddev === undefined) continue;
        const value = tf.initializers.truncatedNormal({ stddev }).apply(w.shape as number[], 'float32');
        w.write(value);
        value.dispose();
        count++;
      }
      pending.clear();
      return count;
    },
  };
}

/** Normalises `inputs` to an array of tensors. */
export function asList(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(inputs) ? inputs : [inputs];
}

/** Normalises an input shape (or list of shapes) to a list of shapes. */
export function asShapeList(shape: Shape | Shape[]): Shape[] {
  return Array.isArray(shape[0]) || shape.length === 0 ? (shape as Shape[]) : [shape as Shape];
}

/** Registers a layer class for (de)serialization; returns it for chaining. */
export function registerLayer<T extends tf.serialization.SerializableConstructor<tf.serialization.Serializable>>(
  cls: T,
): T {
  tf.serialization.registerClass(cls);
  return cls;
}

/** Whether the call is a training-mode call (dropout active). */
export function isTraining(kwargs: Kwargs | undefined): boolean {
  return kwargs?.training === true;
}
