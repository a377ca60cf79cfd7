/**
 * Multithreaded wasm in Node. tfjs-backend-wasm 4.22 runs single-threaded in Node for three reasons, each worked
 * around here without editing node_modules:
 *  1. Its WASM_HAS_MULTITHREAD_SUPPORT flag is hard-wired false under Node. We bypass its init() and instantiate
 *     the threaded-SIMD Emscripten module ourselves, then hand it to the exported BackendWasm class.
 *  2. init() gives the pthread workers `blob:` URLs, which worker_threads cannot load. We write the worker script
 *     and the module's main script to content-addressed temp files and give the module those paths.
 *  3. The C++ side sizes its XNNPACK pool to min(requested, 8, logical cores / 2), reading the core count through
 *     os.cpus() while the module's static constructors run. We make os.cpus() report 2x the wanted threads for
 *     exactly that synchronous span (preRun -> onRuntimeInitialized), then restore it.
 * Pool threads are Node workers that Emscripten ref()s; we unref them so they never keep the process alive.
 * All of this leans on 4.22.0 internals, so callers must check the version first (see wasm.ts).
 */
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Script } from 'node:vm';
import type * as tf from '@tensorflow/tfjs';
import type { WasmInstall } from './wasm-package.ts';

/** The most pool threads the 4.22 C++ allows (it caps at 8, matching its 8 pre-spawned workers). */
export const MAX_WASM_THREADS = 8;

/** How long module start-up may take before we give up rather than hang. */
const START_TIMEOUT_MS = 60_000;

/** The parts of an Emscripten pthread worker we touch. */
interface PoolWorker {
  ref(): void;
  unref(): void;
  terminate(): unknown;
}

/** The parts of the Emscripten threaded module we touch. */
interface ThreadedModule {
  cwrap(name: string, ret: string | null, args: string[]): (...args: number[]) => number;
  PThread?: { runningWorkers: PoolWorker[]; unusedWorkers: PoolWorker[]; terminateAllThreads(): void };
  tfjs?: unknown;
}

type ModuleFactory = ((config: Record<string, unknown>) => Promise<ThreadedModule>) & { toString(): string };

const require = createRequire(import.meta.url);

/** Writes `text` to `path` unless an identical file is there; rename makes concurrent writers safe. */
function writeOnce(path: string, text: string): void {
  if (existsSync(path) && readFileSync(path, 'utf8') === text) return;
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** Materialises the two scripts the pthread workers load, returning their paths. */
function writeWorkerFiles(install: WasmInstall, factory: ModuleFactory): { worker: string; mainScript: string } {
  const { wasmWorkerContents } = require(
    join(install.root, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.worker.js'),
  ) as {
    wasmWorkerContents?: unknown;
  };
  if (typeof wasmWorkerContents !== 'string') throw new Error('worker script not found in wasm-out/*.worker.js');
  // The script holds literal newlines inside string literals (tfjs escapes them the same way before use).
  const worker = wasmWorkerContents.replace(/\n/g, '\\n');
  // The worker evaluates this file with indirect eval and expects this global name.
  const mainScript = `var WasmBackendModuleThreadedSimd = ${factory.toString()}\n`;
  // A worker that fails to parse takes the whole process down, so compile-check both here first.
  new Script(worker, { filename: 'tfjs-wasm-worker.cjs' });
  new Script(mainScript, { filename: 'tfjs-wasm-main.js' });
  const hash = createHash('sha256').update(worker).update(mainScript).digest('hex').slice(0, 16);
  const dir = join(os.tmpdir(), `bert4tfjs-wasm-${install.version}-${hash}`);
  mkdirSync(dir, { recursive: true });
  const paths = { worker: join(dir, 'worker.cjs'), mainScript: join(dir, 'main-script.js') };
  writeOnce(paths.worker, worker);
  writeOnce(paths.mainScript, mainScript);
  return paths;
}

/** Makes a worker unable to hold the event loop open, now and after any later ref() by Emscripten. */
function detach(worker: PoolWorker): void {
  worker.unref();
  worker.ref = () => {};
}

/** Rejects after `ms` unless `promise` settles first. */
async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Starts the threaded-SIMD module and returns a ready BackendWasm whose XNNPACK pool has `threads` threads
 * (1..MAX_WASM_THREADS). Throws with a reason on any failure, after cleaning up its workers.
 */
export async function createThreadedWasmBackend(install: WasmInstall, threads: number): Promise<tf.KernelBackend> {
  if (!Number.isInteger(threads) || threads < 2 || threads > MAX_WASM_THREADS) {
    throw new Error(`threaded wasm needs 2..${MAX_WASM_THREADS} threads, got ${threads}`);
  }
  const factory = require(join(install.root, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js')) as ModuleFactory;
  if (typeof factory !== 'function') throw new Error('wasm-out/tfjs-backend-wasm-threaded-simd.js exports no factory');
  const files = writeWorkerFiles(install, factory);
  const binary = join(install.distPrefix, 'tfjs-backend-wasm-threaded-simd.wasm');
  if (!existsSync(binary)) throw new Error(`${binary} is missing`);

  const realCpus = os.cpus;
  const restoreCpus = (): void => {
    os.cpus = realCpus;
  };
  // Emscripten uses this object as its Module, so PThread lands on it even if start-up stalls.
  const config: Record<string, unknown> & Partial<ThreadedModule> = {
    locateFile: (path: string, prefix: string) =>
      path.endsWith('.worker.js') ? files.worker : path.endsWith('.wasm') ? binary : prefix + path,
    mainScriptUrlOrBlob: files.mainScript,
    preRun: [
      () => {
        const cpu = realCpus()[0];
        os.cpus = () => Array.from({ length: 2 * threads }, () => cpu as os.CpuInfo);
      },
    ],
    onRuntimeInitialized: restoreCpus,
  };
  // Emscripten adds process-wide rethrowing error listeners, synchronously, each time a module starts. Drop
  // them so switching thread counts cannot pile them up (Node's default handling is equivalent).
  const errorListeners = (): Array<(...args: never[]) => unknown> => [
    ...process.listeners('uncaughtException'),
    ...process.listeners('unhandledRejection'),
  ];
  const before = new Set(errorListeners());
  let module: ThreadedModule;
  try {
    const starting = factory(config);
    for (const listener of errorListeners()) {
      if (before.has(listener)) continue;
      process.removeListener('uncaughtException', listener as NodeJS.UncaughtExceptionListener);
      process.removeListener('unhandledRejection', listener as NodeJS.UnhandledRejectionListener);
    }
    module = await withTimeout(starting, START_TIMEOUT_MS, 'threaded wasm start-up');
  } catch (error) {
    config.PThread?.terminateAllThreads();
    throw error;
  } finally {
    restoreCpus();
  }
  try {
    // Same bridge functions tfjs's own init() attaches; BackendWasm calls them.
    module.tfjs = {
      init: module.cwrap('init', null, []),
      initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
      getThreadsCount: module.cwrap('get_threads_count', 'number', []),
      registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
      disposeData: module.cwrap('dispose_data', null, ['number']),
      dispose: module.cwrap('dispose', null, []),
    };
    install.api.setThreadsCount(threads);
    const backend = new install.api.BackendWasm(module as never);
    for (const worker of [...(module.PThread?.runningWorkers ?? []), ...(module.PThread?.unusedWorkers ?? [])]) {
      detach(worker);
    }
    return backend;
  } catch (error) {
    module.PThread?.terminateAllThreads();
    throw error;
  }
}

/** Live pool workers of a wasm backend instance (threads - 1 when threaded; 0 for the stock module). */
export function liveWasmWorkers(backend: unknown): number {
  const module = (backend as { wasm?: ThreadedModule } | null)?.wasm;
  return module?.PThread?.runningWorkers.length ?? 0;
}
