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

/** The truncated-normal initializer BERT uses (`initializer_range`). */
export function bertInitializer(stddev: number): ReturnType<typeof tf.initializers.truncatedNormal> {
  return tf.initializers.truncatedNormal({ stddev });
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
export function registerLayer<T extends tf.serialization.SerializableConstructor<tf.serialization.Serializable>>(cls: T): T {
  tf.serialization.registerClass(cls);
  return cls;
}

/** Whether the call is a training-mode call (dropout active). */
export function isTraining(kwargs: Kwargs | undefined): boolean {
  return kwargs?.training === true;
}
