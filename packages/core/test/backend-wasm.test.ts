// Explicit wasm on one thread: the stock module, loaded from the installed dist folder, agrees with cpu.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend, wasmThreadUsage } from '../src/backend/index.ts';
import { threadingBlocker } from '../src/backend/wasm.ts';
import { loadWasmPackage } from '../src/backend/wasm-package.ts';
import { prng } from '../../../test/helpers/random.ts';

delete process.env.BERT4TFJS_BACKEND;
delete process.env.BERT4TFJS_THREADS;

/** A deterministic pseudo-random matrix, so both backends see identical inputs. */
function matrix(rows: number, cols: number, seed: number): Float32Array {
  const uniform = prng(seed);
  return Float32Array.from({ length: rows * cols }, () => uniform() - 0.5);
}

describe('initBackend wasm', () => {
  it('runs a small matmul equal to cpu within 1e-5', async () => {
    const a = matrix(24, 40, 1);
    const b = matrix(40, 16, 2);
    await initBackend({ backend: 'cpu', quiet: true });
    const expected = tf.matMul(tf.tensor2d(a, [24, 40]), tf.tensor2d(b, [40, 16])).dataSync();

    const info = await initBackend({ backend: 'wasm', threads: 1, quiet: true });
    expect(info.name).toBe('wasm');
    expect(info.threads).toBe(1);
    expect(info.simd).toBe(true);
    expect(info.versions['tfjs-backend-wasm']).toBe('4.22.0');
    expect(tf.getBackend()).toBe('wasm');
    expect(wasmThreadUsage()).toEqual({ pool: 1, workers: 0 });
    const actual = tf.matMul(tf.tensor2d(a, [24, 40]), tf.tensor2d(b, [40, 16])).dataSync();
    expect(actual.length).toBe(expected.length);
    let worst = 0;
    for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
    expect(worst).toBeLessThan(1e-5);
  });

  it('refuses multithreading (one thread, with a reason) on any other package version', async () => {
    const install = await loadWasmPackage();
    expect(install.distPrefix.endsWith('/dist/')).toBe(true);
    expect(threadingBlocker(install, true)).toBeUndefined();
    expect(threadingBlocker({ ...install, version: '4.23.0' }, true)).toMatch(
      /needs .*4\.22\.0 exactly \(found 4\.23\.0/,
    );
    expect(threadingBlocker(install, false)).toMatch(/SIMD/);
  });
});
