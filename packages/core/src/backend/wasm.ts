/**
 * Activates tfjs's 'wasm' backend with a given thread count: the stock single-threaded module for one thread,
 * our threaded setup (wasm-threads.ts) for more. Anything that stops threading (another package version, no
 * SharedArrayBuffer, a start-up failure) degrades to one thread with a note, never a crash.
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../errors.ts';
import { shareIdentityOnWasm } from '../ops/shared-identity.ts';
import { loadWasmPackage, PINNED_WASM_VERSION, registerWasmFactory, type WasmInstall } from './wasm-package.ts';
import { createThreadedWasmBackend, liveWasmWorkers, MAX_WASM_THREADS } from './wasm-threads.ts';

/** What activating wasm produced. */
export interface WasmActivation {
  threads: number;
  simd: boolean;
  version: string;
  notes: string[];
}

/** The setup currently registered as 'wasm' by us; undefined until first activation. */
let current: { threads: number; threaded: boolean } | undefined;

/** Why the threaded module cannot be used with `install`, or undefined if it can (exported for tests). */
export function threadingBlocker(install: WasmInstall, simd: boolean): string | undefined {
  if (install.version !== PINNED_WASM_VERSION || tf.version_core !== PINNED_WASM_VERSION) {
    return (
      `multithreading needs @tensorflow/tfjs-backend-wasm and tfjs-core ${PINNED_WASM_VERSION} exactly ` +
      `(found ${install.version} / ${tf.version_core})`
    );
  }
  if (typeof SharedArrayBuffer !== 'function') return 'multithreading needs SharedArrayBuffer, absent in this runtime';
  if (!simd) return 'multithreading needs WebAssembly SIMD, absent in this runtime';
  if (typeof install.api.BackendWasm !== 'function' || typeof install.api.setThreadsCount !== 'function') {
    return 'multithreading needs BackendWasm and setThreadsCount exports, missing from this build';
  }
  return undefined;
}

/** Sets tfjs to 'wasm' using the already-registered factory; throws with tfjs's own complaint if it fails. */
async function switchTo(capture: { error?: unknown }): Promise<void> {
  const ok = await tf.setBackend('wasm');
  if (!ok) {
    const why = capture.error instanceof Error ? capture.error.message : String(capture.error ?? 'unknown error');
    throw new Error(`wasm backend failed to start: ${why}`);
  }
}

/** Registers the stock single-threaded module and switches to it. */
async function activateStock(install: WasmInstall): Promise<void> {
  const capture: { error?: unknown } = {};
  registerWasmFactory(async () => {
    try {
      return await install.stockFactory();
    } catch (error) {
      capture.error = error;
      throw error;
    }
  });
  current = { threads: 1, threaded: false };
  try {
    await switchTo(capture);
  } catch (error) {
    current = undefined;
    throw error;
  }
}

/**
 * Makes 'wasm' the active tfjs backend with `wanted` threads (capped at MAX_WASM_THREADS; `requested` says
 * whether the caller asked for that count or it is the core count, for the note). Re-activating with
 * the same count reuses the running module; a different count replaces it, disposing tensors held on it.
 * Throws only if wasm cannot run at all.
 */
export async function activateWasm(wanted: number, requested = true): Promise<WasmActivation> {
  const install = await loadWasmPackage();
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const notes: string[] = [];
  let threads = Math.max(1, Math.floor(wanted));
  if (threads > MAX_WASM_THREADS) {
    const why = requested ? `asked for ${threads}` : `${threads} cores available`;
    notes.push(`wasm threads capped at ${MAX_WASM_THREADS} (${why}; the 4.22 wasm build's limit)`);
    threads = MAX_WASM_THREADS;
  }
  if (threads > 1) {
    const blocker = threadingBlocker(install, simd);
    if (blocker) {
      notes.push(`wasm runs on 1 thread: ${blocker}`);
      threads = 1;
    }
  }
  const reuse = current?.threads === threads && tf.findBackendFactory('wasm') != null;
  if (reuse) {
    await switchTo({});
  } else if (threads === 1) {
    await activateStock(install);
  } else {
    try {
      const backend = await createThreadedWasmBackend(install, threads);
      registerWasmFactory(() => backend);
      current = { threads, threaded: true };
      await switchTo({});
    } catch (error) {
      notes.push(
        `wasm runs on 1 thread: threaded start-up failed (${error instanceof Error ? error.message : String(error)})`,
      );
      threads = 1;
      await activateStock(install);
    }
  }
  // Saved-for-backprop tensors are cloned through Identity, which wasm 4.22 copies; share buffers instead.
  shareIdentityOnWasm();
  return { threads: wasmThreadUsage().pool, simd, version: install.version, notes };
}

/**
 * Thread usage of the active wasm backend, read from the backend itself: `pool` is XNNPACK's own count
 * (get_threads_count), `workers` the live pthread workers behind it. Throws if wasm is not active.
 */
export function wasmThreadUsage(): { pool: number; workers: number } {
  if (tf.getBackend() !== 'wasm')
    throw new Bert4tfjsError(
      `wasmThreadUsage: the active tfjs backend is ${tf.getBackend()}, expected wasm`,
      'bad-state',
    );
  const backend = tf.backend() as unknown as { wasm?: { tfjs?: { getThreadsCount?: () => number } } };
  const pool = backend.wasm?.tfjs?.getThreadsCount?.() ?? 1;
  return { pool, workers: liveWasmWorkers(backend) };
}
