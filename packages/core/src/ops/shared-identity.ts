/**
 * A buffer-sharing Identity kernel for the wasm backend. Every tensor tfjs keeps for a backward pass
 * (a built-in op's saved inputs, a customGrad's `save([...])`) is first cloned through the Identity
 * kernel. The cpu and webgl backends implement Identity by adding a reference to the same buffer, but
 * tfjs-backend-wasm 4.22 copies it: on a BERT-base training step every saved activation and every weight
 * a matmul saves (~390 MB of weight copies alone) was duplicated on the 4 GiB heap. Tensors are immutable
 * (Variable.assign swaps the buffer, it never writes into it) and wasm's own Reshape already shares, so a
 * shared Identity gives the same values at no memory cost.
 */
import * as tf from '@tensorflow/tfjs';

interface RefCountingBackend {
  incRef(dataId: object): void;
}

/** Identity that references its input's buffer (as on cpu) instead of copying it. */
function sharedIdentity(args: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo {
  const x = args.inputs.x as tf.TensorInfo;
  if (x.dtype === 'string') throw new Error('sharedIdentity: string tensors are not supported on wasm');
  (args.backend as RefCountingBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/**
 * Installs the sharing Identity kernel for the 'wasm' backend once its package has registered its kernels.
 * Idempotent and cheap (one registry lookup); returns true when the sharing kernel is in place. Call it
 * after the wasm backend is loaded (the fused training ops call it whenever they run under a tape on wasm).
 */
export function shareIdentityOnWasm(): boolean {
  const current = tf.getKernel('Identity', 'wasm');
  if (current === undefined) return false;
  if (current.kernelFunc === (sharedIdentity as unknown as tf.KernelFunc)) return true;
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({
    kernelName: 'Identity',
    backendName: 'wasm',
    kernelFunc: sharedIdentity as unknown as tf.KernelFunc,
  });
  return true;
}

/** Calls {@link shareIdentityOnWasm} when a gradient tape is recording on the wasm backend. */
export function shareIdentityWhenTaping(): void {
  if (tf.getBackend() === 'wasm' && tf.engine().isTapeOn()) shareIdentityOnWasm();
}
