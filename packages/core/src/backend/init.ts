/**
 * initBackend: picks the engine tfjs computes on, once, and says which and why. `auto` takes the first of
 * tensorflow-gpu, tensorflow, wasm, cpu that loads; an explicit choice that cannot load is an error (no silent
 * fallback). Calls are serialised, so concurrent callers never race tfjs's global backend state.
 */
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../errors.ts';
import { loadNativeBackend, NATIVE_PACKAGES, NATIVE_TFJS_BACKEND } from './native.ts';
import { BACKEND_ENV, resolveRequest, type BackendRequest } from './options.ts';
import { BACKEND_ORDER, type BackendInfo, type BackendName, type BackendOptions, type TriedBackend } from './types.ts';
import { activateWasm } from './wasm.ts';

/** The tfjs backend name each engine runs under. */
const TFJS_NAME: Record<BackendName, string> = {
  'tensorflow-gpu': NATIVE_TFJS_BACKEND,
  tensorflow: NATIVE_TFJS_BACKEND,
  wasm: 'wasm',
  cpu: 'cpu',
};

/** Outcome of trying one engine. */
type Attempt =
  | { ok: true; threads: number; simd?: boolean; notes: string[]; versions: Record<string, string> }
  | { ok: false; reason: string };

let queue: Promise<unknown> = Promise.resolve();
let current: { key: string; info: BackendInfo } | undefined;
// Shared through the global registry so two copies of this module still report only once per process.
const REPORTED = Symbol.for('bert4tfjs.backend.reported');

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Puts tfjs back on `previous` after a failed attempt left it pointing at a backend that did not start. */
async function restore(previous: string | undefined): Promise<void> {
  if (previous && tf.getBackend() !== previous && tf.findBackendFactory(previous) != null) {
    await tf.setBackend(previous).catch(() => false);
  }
}

async function attempt(name: BackendName, request: BackendRequest): Promise<Attempt> {
  const previous = tf.getBackend() as string | undefined;
  try {
    if (name === 'tensorflow-gpu' || name === 'tensorflow') {
      const loaded = await loadNativeBackend(name);
      if (!loaded.ok) return loaded;
      if (!(await tf.setBackend(NATIVE_TFJS_BACKEND)))
        throw new Error(`tf.setBackend('${NATIVE_TFJS_BACKEND}') failed`);
      // libtensorflow sizes its own thread pools from the machine; `threads` does not apply to it.
      const notes =
        request.threads !== undefined ? [`threads=${request.threads} ignored: libtensorflow manages its own pool`] : [];
      return {
        ok: true,
        threads: os.availableParallelism(),
        notes,
        versions: loaded.version ? { 'tfjs-node': loaded.version } : {},
      };
    }
    if (name === 'wasm') {
      const wasm = await activateWasm(request.threads ?? os.availableParallelism(), request.threads !== undefined);
      return {
        ok: true,
        threads: wasm.threads,
        simd: wasm.simd,
        notes: wasm.notes,
        versions: { 'tfjs-backend-wasm': wasm.version },
      };
    }
    if (!(await tf.setBackend('cpu'))) throw new Error("tf.setBackend('cpu') failed");
    const notes =
      request.threads !== undefined && request.threads > 1
        ? [`threads=${request.threads} ignored: cpu is single-threaded`]
        : [];
    return { ok: true, threads: 1, notes, versions: {} };
  } catch (error) {
    await restore(previous);
    const hint = name === 'tensorflow' || name === 'tensorflow-gpu' ? `${NATIVE_PACKAGES[name]}: ` : '';
    return { ok: false, reason: `${hint}${errorText(error)}` };
  }
}

/** The one-line report: what runs, where the choice came from, and why better engines were skipped. */
export function formatReport(info: BackendInfo, request: Pick<BackendRequest, 'backend' | 'source'>): string {
  const detail = [`${info.threads} thread${info.threads === 1 ? '' : 's'}`];
  if (info.simd !== undefined) detail.push(info.simd ? 'SIMD' : 'no SIMD');
  const origin =
    request.source === 'env'
      ? `${BACKEND_ENV}=${request.backend}`
      : request.source === 'option'
        ? `backend: '${request.backend}'`
        : 'auto';
  let line = `bert4tfjs: backend ${info.name} (${detail.join(', ')}; ${origin})`;
  const skipped = info.tried.filter((t) => !t.ok).map((t) => `${t.name}: ${t.reason}`);
  if (skipped.length > 0) line += `; skipped ${skipped.join('; ')}`;
  if (info.notes.length > 0) line += `; note: ${info.notes.join('; ')}`;
  return line;
}

async function select(request: BackendRequest): Promise<BackendInfo> {
  const key = `${request.backend}|${request.threads ?? ''}`;
  if (current && current.key === key && tf.getBackend() === TFJS_NAME[current.info.name])
    return structuredClone(current.info);

  const candidates = request.backend === 'auto' ? BACKEND_ORDER : [request.backend];
  const tried: TriedBackend[] = [];
  for (const name of candidates) {
    const result = await attempt(name, request);
    if (!result.ok) {
      tried.push({ name, ok: false, reason: result.reason });
      if (request.backend !== 'auto') {
        throw new Bert4tfjsError(
          `backend '${name}' cannot be used: ${result.reason}. Choose another with the "backend" option or ${BACKEND_ENV} ` +
            `(auto picks the best that loads).`,
          'backend-unavailable',
        );
      }
      continue;
    }
    tried.push({ name, ok: true });
    const info: BackendInfo = {
      name,
      threads: result.threads,
      ...(result.simd !== undefined ? { simd: result.simd } : {}),
      tried,
      versions: {
        tfjs: tf.version.tfjs,
        'tfjs-core': tf.version_core,
        ...result.versions,
        node: process.versions.node,
      },
      notes: result.notes,
    };
    current = { key, info };
    const globals = globalThis as Record<symbol, unknown>;
    if (!request.quiet && !globals[REPORTED]) {
      globals[REPORTED] = true;
      request.log(formatReport(info, request));
    }
    return structuredClone(info);
  }
  throw new Bert4tfjsError(
    `no backend could be loaded: ${tried.map((t) => `${t.name}: ${t.reason}`).join('; ')}`,
    'backend-unavailable',
  );
}

/**
 * Chooses and starts the engine tfjs computes on. Options override BERT4TFJS_BACKEND / BERT4TFJS_THREADS.
 * Repeating a call with the same choice is a no-op; a different choice switches (tensors on a replaced wasm
 * module are lost). Reports the decision once per process on `log` (stderr by default) unless `quiet`.
 */
export function initBackend(options?: BackendOptions): Promise<BackendInfo> {
  let request: BackendRequest;
  try {
    request = resolveRequest(options);
  } catch (error) {
    return Promise.reject(error);
  }
  const run = queue.then(() => select(request));
  queue = run.catch(() => undefined);
  return run;
}

/** The engine chosen by the last successful initBackend call, or undefined before the first. */
export function getBackendInfo(): BackendInfo | undefined {
  return current ? structuredClone(current.info) : undefined;
}
