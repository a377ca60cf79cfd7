/**
 * `pnpm soak` (not in CI): 10,000 `Embedder.embed` calls through the library API in one process on the
 * BERT fixture model, checking that memory stays flat: tf tensors and variables exactly, and RSS / heap
 * within 5% between the first and last thousand calls (after a warm-up). Prints one JSON line; exits 1 on growth.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@bert4tfjs/core';
import { Embedder, openModel } from 'bert4tfjs';
import { fixturePath } from '../test/helpers/paths.ts';

const CALLS = Number(process.env.SOAK_CALLS ?? 10_000);
const dir = mkdtempSync(join(tmpdir(), 'b4t-soak-'));
copyFileSync(fixturePath('bert', 'config.json'), join(dir, 'config.json'));
copyFileSync(fixturePath('bert', 'model.safetensors'), join(dir, 'model.safetensors'));
copyFileSync(fixturePath('tokenizers', 'bert_wordpiece', 'vocab.txt'), join(dir, 'vocab.txt'));
await initBackend({ backend: (process.env.BERT4TFJS_BACKEND as 'cpu') ?? 'wasm', quiet: true });
const { built, tokenizer } = openModel(dir);
const embedder = new Embedder(built, tokenizer, { pooling: 'mean', normalize: true });
const sample = () => {
  global.gc?.();
  const m = process.memoryUsage();
  return {
    rss: m.rss,
    heap: m.heapUsed,
    tensors: tf.memory().numTensors,
    variables: Object.keys(tf.engine().state.registeredVariables).length,
  };
};
const t0 = performance.now();
let early = sample();
for (let i = 0; i < CALLS; i++) {
  embedder.embed([{ text: `hello world number ${i}` }, { text: 'a second, somewhat longer sentence to embed' }]);
  if (i === Math.floor(CALLS / 10)) early = sample(); // after warm-up (JIT, allocator pools)
}
const late = sample();
built.model.dispose();
rmSync(dir, { recursive: true, force: true });
const growth = { rss: late.rss / early.rss - 1, heap: late.heap / early.heap - 1 };
const ok =
  late.tensors === early.tensors && late.variables === early.variables && growth.rss < 0.05 && growth.heap < 0.05;
console.log(JSON.stringify({ calls: CALLS, seconds: (performance.now() - t0) / 1000, early, late, growth, ok }));
process.exitCode = ok ? 0 : 1;
