/**
 * Types shared by the backend-selection files: what a caller may ask for and what it gets back.
 */

/** A concrete engine bert4tfjs can run on, best first. */
export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

/** What a caller may ask for: a concrete engine, or `auto` (the first of BACKEND_ORDER that loads). */
export type BackendChoice = 'auto' | BackendName;

/** The order `auto` tries engines in. */
export const BACKEND_ORDER: readonly BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

/** Every accepted value of `backend` / `BERT4TFJS_BACKEND`. */
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', ...BACKEND_ORDER];

/** Options of `initBackend`. An explicit option wins over the matching environment variable. */
export interface BackendOptions {
  /** Which engine; default `BERT4TFJS_BACKEND`, else `auto`. */
  backend?: BackendChoice;
  /** Worker threads for wasm; default `BERT4TFJS_THREADS`, else `os.availableParallelism()`. */
  threads?: number;
  /** Suppress the one-line report. */
  quiet?: boolean;
  /** Where the one-line report goes; default a line on stderr. */
  log?: (line: string) => void;
}

/** One engine that was attempted, and why it was not taken if it failed. */
export interface TriedBackend {
  name: BackendName;
  ok: boolean;
  reason?: string;
}

/** What `initBackend` chose; also what `getBackendInfo()` returns for `bert4tfjs info`. */
export interface BackendInfo {
  /** The engine in use. */
  name: BackendName;
  /** Threads the engine computes with (wasm: the size of its XNNPACK pool; cpu: 1). */
  threads: number;
  /** Whether the wasm binary in use has SIMD (wasm only). */
  simd?: boolean;
  /** Engines attempted, in order, ending with the chosen one. */
  tried: TriedBackend[];
  /** Versions of the libraries involved (tfjs, tfjs-core, tfjs-backend-wasm, tfjs-node, node). */
  versions: Record<string, string>;
  /** Anything notable about how the engine was set up, e.g. why wasm runs on fewer threads than asked. */
  notes: string[];
}
