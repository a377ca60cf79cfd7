/**
 * Releasing every weight of a LayersModel. tfjs-layers counts one reference per symbolic call of a layer
 * and `LayersModel.dispose()` drops only one per layer, so a layer called twice — a tied embedding that is
 * also the MLM / LM output projection, ALBERT's shared block — keeps its variables alive forever.
 */
import type * as tf from '@tensorflow/tfjs';

type DisposeResult = ReturnType<tf.LayersModel['dispose']>;

/** Disposes `model` and then every layer it holds down to no references; returns the variables freed. */
export function disposeModelFully(model: tf.LayersModel, dispose: () => DisposeResult = () => model.dispose()): number {
  const first = dispose();
  let freed = first.numDisposedVariables;
  if (first.refCountAfterDispose > 0) return freed; // still used inside another model
  for (const layer of model.layers) {
    // A layer's count is null until it is used and 0 once disposed; anything above is a shared reference.
    while (((layer as unknown as { _refCount: number | null })._refCount ?? 0) > 0) {
      freed += layer.dispose().numDisposedVariables;
    }
  }
  return freed;
}

/** Makes `model.dispose()` release shared layers too (see {@link disposeModelFully}); returns the model. */
export function withFullDispose<M extends tf.LayersModel>(model: M): M {
  const plain = model.dispose.bind(model);
  model.dispose = () => {
    const freed = disposeModelFully(model, plain);
    return { refCountAfterDispose: 0, numDisposedVariables: freed };
  };
  return model;
}
