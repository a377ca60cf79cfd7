/**
 * wasm matmul throughput: a 512x768 @ 768x3072 product (one BERT-base FFN projection at 512 tokens) for each
 * thread count, three ways: plain, with tf.matMul's transposeB flag, and with an explicit tf.transpose first
 * (the transpose is timed too). Prints median GFLOP/s.
 *
 *   node packages/cli/bin/run-ts.js bench/backend-matmul.ts [threads=1,2] [reps=7]
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { initBackend, wasmThreadUsage } from '@bert4tfjs/core';

/** The slice of tfjs used here. tfjs is a dependency of @bert4tfjs/core, not of the repo root, so it is
 *  resolved from core's location and typed structurally. */
interface Tensor {
  data(): Promise<unknown>;
  dispose(): void;
}
interface Tfjs {
  randomNormal(shape: number[], mean: number, std: number, dtype: 'float32', seed: number): Tensor;
  transpose(x: Tensor): Tensor;
  matMul(a: Tensor, b: Tensor, transposeA?: boolean, transposeB?: boolean): Tensor;
  tidy(fn: () => Tensor): Tensor;
  dispose(tensors: Tensor[]): void;
}
const tfPath = createRequire(import.meta.resolve('@bert4tfjs/core')).resolve('@tensorflow/tfjs');
const tf = (await import(pathToFileURL(tfPath).href)) as unknown as Tfjs;

const [M, K, N] = [512, 768, 3072];
const FLOP = 2 * M * K * N;

const threadList = (process.argv[2] ?? '1,2').split(',').map((t) => Number(t));
const reps = Number(process.argv[3] ?? 7);
if (threadList.some((t) => !Number.isInteger(t) || t < 1) || !Number.isInteger(reps) || reps < 1) {
  console.error('usage: backend-matmul.ts [threads list, e.g. 1,2,4] [repetitions >= 1]');
  process.exit(2);
}

/** Median wall time in ms of `fn`, after one warm-up run; each run waits for the result to be read. */
async function medianMs(fn: () => Tensor): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i <= reps; i++) {
    const start = performance.now();
    const out = fn();
    await out.data();
    const ms = performance.now() - start;
    out.dispose();
    if (i > 0) times.push(ms);
  }
  times.sort((x, y) => x - y);
  return times[Math.floor(times.length / 2)];
}

const rows: string[] = [];
for (const threads of threadList) {
  const info = await initBackend({ backend: 'wasm', threads, quiet: true });
  const usage = wasmThreadUsage();
  const a = tf.randomNormal([M, K], 0, 1, 'float32', 1);
  const b = tf.randomNormal([K, N], 0, 1, 'float32', 2);
  const bT = tf.transpose(b); // weights stored as [out, in], as many checkpoints do
  const plain = await medianMs(() => tf.matMul(a, b));
  const flag = await medianMs(() => tf.matMul(a, bT, false, true));
  const explicit = await medianMs(() => tf.tidy(() => tf.matMul(a, tf.transpose(bT))));
  const gflops = (ms: number): string => (FLOP / ms / 1e6).toFixed(1).padStart(7);
  rows.push(
    `threads ${String(info.threads).padStart(2)} (pool ${usage.pool}, workers ${usage.workers}) | ` +
      `plain ${gflops(plain)} | transposeB flag ${gflops(flag)} | explicit transpose ${gflops(explicit)}` +
      (info.notes.length ? `  [${info.notes.join('; ')}]` : ''),
  );
  tf.dispose([a, b, bT]);
}
console.log(`wasm matmul ${M}x${K}x${N}, median of ${reps}, GFLOP/s`);
for (const row of rows) console.log(row);
