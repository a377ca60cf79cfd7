/**
 * Backend selection: which engine tfjs runs on (tfjs-node-gpu, tfjs-node, multithreaded wasm, cpu), why, and
 * how many threads it really uses.
 */
export { initBackend, getBackendInfo, formatReport } from './init.ts';
export { wasmThreadUsage } from './wasm.ts';
export { MAX_WASM_THREADS } from './wasm-threads.ts';
export { BACKEND_ENV, THREADS_ENV } from './options.ts';
export {
  BACKEND_CHOICES,
  BACKEND_ORDER,
  type BackendChoice,
  type BackendInfo,
  type BackendName,
  type BackendOptions,
  type TriedBackend,
} from './types.ts';
export * from './browser.ts';
