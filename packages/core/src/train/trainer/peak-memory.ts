/**
 * Peak bytes of tensor buffers while a function runs. tf.memory().numBytes counts every tensor object,
 * so reshapes, identities and the clones tfjs keeps for the backward pass (which share one buffer) are
 * counted again and again; on a BERT step that overstates the memory several times. Here the active
 * backend's `write` and `disposeData` are wrapped for the duration of the call, so each buffer counts
 * once, from its allocation until it is really freed. Both the wasm and cpu backends of tfjs 4.22
 * allocate every tensor buffer through `write` and free it in `disposeData` (which returns true then).
 */
import * as tf from '@tensorflow/tfjs';

interface BufferHooks {
  write(values: unknown, shape: number[], dtype: tf.DataType): object;
  disposeData(dataId: object, force?: boolean): boolean;
}

/** Runs `fn` and returns its result and the peak of new buffer bytes alive at once during it. */
export function trackPeakBytes<T>(fn: () => T): { result: T; peakBytes: number } {
  const backend = tf.backend() as unknown as BufferHooks;
  const ownWrite = Object.hasOwn(backend, 'write');
  const ownDispose = Object.hasOwn(backend, 'disposeData');
  const write = backend.write;
  const disposeData = backend.disposeData;
  const sizes = new Map<object, number>();
  let current = 0;
  let peak = 0;
  backend.write = function (this: BufferHooks, values, shape, dtype) {
    const id = write.call(this, values, shape, dtype);
    const bytes = dtype === 'string' ? 0 : tf.util.sizeFromShape(shape) * tf.util.bytesPerElement(dtype);
    sizes.set(id, bytes);
    current += bytes;
    peak = Math.max(peak, current);
    return id;
  };
  backend.disposeData = function (this: BufferHooks, dataId, force) {
    const freed = disposeData.call(this, dataId, force);
    const bytes = sizes.get(dataId);
    if (freed && bytes !== undefined) {
      current -= bytes;
      sizes.delete(dataId);
    }
    return freed;
  };
  try {
    return { result: fn(), peakBytes: peak };
  } finally {
    const b = backend as unknown as Record<string, unknown>;
    if (ownWrite) backend.write = write;
    else delete b.write;
    if (ownDispose) backend.disposeData = disposeData;
    else delete b.disposeData;
  }
}
