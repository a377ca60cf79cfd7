/**
 * Finds the installed @tensorflow/tfjs-backend-wasm, loads it (which registers the stock 'wasm' backend) and
 * points it at the .wasm binaries in its own dist folder, so nothing is ever fetched over the network.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

/** The one version whose internals the multithreading workaround was checked against. */
export const PINNED_WASM_VERSION = '4.22.0';

/** The loaded package's public API, as far as bert4tfjs uses it. */
export type WasmPackage = typeof import('@tensorflow/tfjs-backend-wasm');

/** The loaded package plus where it lives on disk. */
export interface WasmInstall {
  api: WasmPackage;
  /** Absolute path of the package root (holds dist/ and wasm-out/). */
  root: string;
  /** Absolute path of dist/, with a trailing separator, as setWasmPaths expects. */
  distPrefix: string;
  version: string;
  /** The stock backend factory the package registered, kept so a threaded setup can be undone. */
  stockFactory: () => tf.KernelBackend | Promise<tf.KernelBackend>;
}

const require = createRequire(import.meta.url);
let install: Promise<WasmInstall> | undefined;

async function load(): Promise<WasmInstall> {
  const root = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  const api: WasmPackage = await import('@tensorflow/tfjs-backend-wasm');
  const distPrefix = `${join(root, 'dist')}/`;
  const binary = join(distPrefix, 'tfjs-backend-wasm-simd.wasm');
  if (!existsSync(binary))
    throw new Error(`${binary} is missing (incomplete install of @tensorflow/tfjs-backend-wasm)`);
  // In Node the module reads these paths with fs; setting them explicitly rules out any URL-based fetch.
  api.setWasmPaths(distPrefix);
  const stockFactory = tf.findBackendFactory('wasm');
  if (stockFactory == null)
    throw new Error("@tensorflow/tfjs-backend-wasm did not register backend 'wasm' on this tfjs");
  return { api, root, distPrefix, version: api.version_wasm, stockFactory };
}

/** Loads the wasm package once per process; rejects with the reason if it cannot be used. */
export function loadWasmPackage(): Promise<WasmInstall> {
  install ??= load().catch((error: unknown) => {
    install = undefined;
    throw error;
  });
  return install;
}

/** Replaces whatever factory is registered as 'wasm' (disposing its live instance) with `factory`. */
export function registerWasmFactory(factory: () => tf.KernelBackend | Promise<tf.KernelBackend>): void {
  if (tf.findBackendFactory('wasm') != null) tf.removeBackend('wasm');
  // Priority 2 matches what the package itself uses, so tfjs's own default ordering is unchanged.
  tf.registerBackend('wasm', factory, 2);
}
