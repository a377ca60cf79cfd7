/**
 * The tfjs instance the packages use. tfjs is a dependency of @bert4tfjs/core, not of the repository
 * root where the benchmarks live, so it is resolved from core's location (the same module instance core
 * uses) and typed by the few members the benchmarks need.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { REPO_ROOT } from './data.ts';

/** The slice of tfjs the benchmarks use. */
export interface TfjsHandle {
  memory(): { numTensors: number; numBytes: number };
  getBackend(): string;
}

let cached: TfjsHandle | null = null;

/** tfjs as @bert4tfjs/core sees it. */
export function tfjs(): TfjsHandle {
  cached ??= createRequire(join(REPO_ROOT, 'packages', 'core', 'package.json'))('@tensorflow/tfjs') as TfjsHandle;
  return cached;
}
