// Multithreaded wasm in Node: the pool really has 2 threads (asked of the backend itself), results match cpu,
// thread counts can be switched, and a process that used the pool still exits on its own.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initBackend, wasmThreadUsage } from '../src/backend/index.ts';
import { prng } from '../../../test/helpers/random.ts';

delete process.env.BERT4TFJS_BACKEND;
delete process.env.BERT4TFJS_THREADS;

const repo = resolve(import.meta.dirname, '../../..');

/** A deterministic pseudo-random matrix, so both backends see identical inputs. */
function matrix(rows: number, cols: number, seed: number): Float32Array {
  const uniform = prng(seed);
  return Float32Array.from({ length: rows * cols }, () => uniform() - 0.5);
}

function worstDiff(x: ArrayLike<number>, y: ArrayLike<number>): number {
  expect(x.length).toBe(y.length);
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]));
  return worst;
}

describe('wasm with threads', () => {
  const [m, k, n] = [64, 192, 96];
  const a = matrix(m, k, 3);
  const b = matrix(k, n, 4);
  let expected: Float32Array;

  it('uses 2 pool threads when asked, and agrees with cpu within 1e-4', async () => {
    await initBackend({ backend: 'cpu', quiet: true });
    expected = tf.matMul(tf.tensor2d(a, [m, k]), tf.tensor2d(b, [k, n])).dataSync() as Float32Array;

    const info = await initBackend({ backend: 'wasm', threads: 2, quiet: true });
    expect(info.threads).toBe(2);
    expect(info.notes).toEqual([]);
    // pool: XNNPACK's own count; workers: live pthread workers behind it (the caller thread is the other one).
    expect(wasmThreadUsage()).toEqual({ pool: 2, workers: 1 });
    const got = tf.matMul(tf.tensor2d(a, [m, k]), tf.tensor2d(b, [k, n])).dataSync();
    expect(worstDiff(got, expected)).toBeLessThan(1e-4);
    // transposeB goes through a different kernel path; it must agree too.
    const bt = tf.transpose(tf.tensor2d(b, [k, n]));
    expect(worstDiff(tf.matMul(tf.tensor2d(a, [m, k]), bt, false, true).dataSync(), expected)).toBeLessThan(1e-4);
  });

  it('switches thread counts cleanly, and repeats are no-ops', async () => {
    const one = await initBackend({ backend: 'wasm', threads: 1, quiet: true });
    expect(one.threads).toBe(1);
    expect(wasmThreadUsage()).toEqual({ pool: 1, workers: 0 });
    const two = await initBackend({ backend: 'wasm', threads: 2, quiet: true });
    expect(two.threads).toBe(2);
    const backendBefore = tf.backend();
    await initBackend({ backend: 'wasm', threads: 2, quiet: true });
    expect(tf.backend()).toBe(backendBefore);
    expect(wasmThreadUsage()).toEqual({ pool: 2, workers: 1 });
    const got = tf.matMul(tf.tensor2d(a, [m, k]), tf.tensor2d(b, [k, n])).dataSync();
    expect(worstDiff(got, expected)).toBeLessThan(1e-4);
  });

  it('caps threads at the build limit of 8 with a note, without leaking listeners', async () => {
    const listeners = process.listenerCount('uncaughtException') + process.listenerCount('unhandledRejection');
    const info = await initBackend({ backend: 'wasm', threads: 12, quiet: true });
    expect(info.threads).toBe(8);
    expect(info.notes.join(' ')).toContain('capped at 8 (asked for 12');
    expect(wasmThreadUsage()).toEqual({ pool: 8, workers: 7 });
    await initBackend({ backend: 'wasm', threads: 2, quiet: true });
    // Restarting the threaded module must not pile up process-wide error listeners.
    expect(process.listenerCount('uncaughtException') + process.listenerCount('unhandledRejection')).toBe(listeners);
  });

  it('lets a process that used 2 wasm threads exit by itself', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bert4tfjs-exit-'));
    // .mts: outside the repo there is no package.json saying the file is ESM.
    const script = join(dir, 'child.mts');
    const entry = join(repo, 'packages/core/src/backend/index.ts');
    writeFileSync(
      script,
      [
        `import * as tf from '${join(repo, 'packages/core/node_modules/@tensorflow/tfjs/dist/tf.node.js')}';`,
        `import { initBackend, wasmThreadUsage } from '${entry}';`,
        `await initBackend({ backend: 'wasm', threads: 2, quiet: true });`,
        `const x = tf.ones([64, 64]);`,
        `console.log(JSON.stringify({ usage: wasmThreadUsage(), sum: tf.matMul(x, x).sum().dataSync()[0] }));`,
      ].join('\n'),
    );
    const child = spawnSync(process.execPath, [join(repo, 'packages/cli/bin/run-ts.js'), script], {
      cwd: repo,
      encoding: 'utf8',
      timeout: 90_000,
    });
    rmSync(dir, { recursive: true, force: true });
    expect(child.signal).toBeNull(); // killed by the timeout would mean a worker held the event loop open
    expect(child.status).toBe(0);
    expect(JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}')).toEqual({
      usage: { pool: 2, workers: 1 },
      sum: 64 * 64 * 64,
    });
  });
});
