/**
 * Performer (FAVOR+) vs softmax attention: median time and peak tensor memory (tfjs numBytes high-water
 * mark from tf.profile, plus process RSS) of one attention layer and of a 4-layer encoder forward at
 * L = 512..8192 (batch 1, hidden 256, 4 heads), the crossover length, and the approximation error of
 * FAVOR+ vs exact attention as a function of the number of features m.
 *
 *   node packages/cli/bin/run-ts.js bench/performer.ts [--quick] [--backend=wasm|cpu]
 *
 * `runPerformerBench(options)` returns the rows, for a central `pnpm bench`.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type * as TF from '../packages/core/node_modules/@tensorflow/tfjs/dist/index.js';
import {
  MultiHeadAttention,
  favorAttention,
  initBackend,
  orthogonalRandomFeatures,
  softmaxAttention,
} from '@bert4tfjs/core';
import { buildTransformerModel, runModel } from '@bert4tfjs/models';

// tfjs is a dependency of @bert4tfjs/core, not of the repo root: resolve it from core's location.
const tfPath = createRequire(import.meta.resolve('@bert4tfjs/core')).resolve('@tensorflow/tfjs');
const tf = (await import(pathToFileURL(tfPath).href)) as typeof TF;

/** Options of {@link runPerformerBench}. */
export interface PerformerBenchOptions {
  /** Fewer lengths, features and repetitions (a smoke run). */
  quick?: boolean;
  /** Engine; default wasm, falling back to cpu if wasm cannot start. */
  backend?: 'wasm' | 'cpu';
  /** Random features of the Performer runs; default 256. */
  features?: number;
  /** Skip a softmax run whose L×L score tensors would exceed this many bytes in total; default 1.5 GiB. */
  softmaxBudgetBytes?: number;
  /** Where progress lines go; default console.log. */
  log?: (line: string) => void;
}

/** One measurement. */
export interface PerformerBenchRow {
  kind: 'layer' | 'encoder' | 'error' | 'crossover' | 'backend';
  attention?: 'softmax' | 'performer';
  length?: number;
  features?: number;
  /** Median forward time (ms). */
  ms?: number;
  /** Peak tfjs tensor bytes above the baseline during one forward. */
  peakBytes?: number;
  /** Process resident set size after the forward (bytes). */
  rssBytes?: number;
  /** Relative Frobenius error of FAVOR+ vs exact attention. */
  relError?: number;
  /** Free text: why a run was skipped, the crossover, the backend. */
  note?: string;
}

const HIDDEN = 256;
const HEADS = 4;

async function median(reps: number, fn: () => TF.Tensor | TF.Tensor[]): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const start = performance.now();
    const out = fn();
    const list = Array.isArray(out) ? out : [out];
    await Promise.all(list.map((t) => t.data()));
    times.push(performance.now() - start);
    tf.dispose(list);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** Peak tensor bytes above what was allocated before, over one call (tf.profile tracks the high-water mark). */
async function peakBytes(fn: () => TF.Tensor | TF.Tensor[]): Promise<number> {
  const base = tf.memory().numBytes;
  let out: TF.Tensor[] = [];
  const info = await tf.profile(() => {
    const r = fn();
    out = Array.isArray(r) ? r : [r];
    return r;
  });
  tf.dispose(out);
  return info.peakBytes - base;
}

/** Bytes the softmax path holds at its peak, roughly: scores, probabilities and a temporary, each [H, L, L]. */
function softmaxBytes(length: number): number {
  return 3 * HEADS * length * length * 4;
}

/** Runs the whole benchmark and returns its rows (also logged as they come). */
export async function runPerformerBench(options: PerformerBenchOptions = {}): Promise<PerformerBenchRow[]> {
  const log = options.log ?? ((line: string) => console.log(line));
  const quick = options.quick ?? false;
  const m = options.features ?? 256;
  const budget = options.softmaxBudgetBytes ?? 1.5 * 2 ** 30;
  const rows: PerformerBenchRow[] = [];
  let backend = options.backend ?? 'wasm';
  try {
    await initBackend({ backend, quiet: true });
  } catch (error) {
    log(`wasm unavailable (${(error as Error).message}); using cpu`);
    backend = 'cpu';
    await initBackend({ backend, quiet: true });
  }
  rows.push({ kind: 'backend', note: `${tf.getBackend()}` });
  log(`backend: ${tf.getBackend()}; hidden ${HIDDEN}, ${HEADS} heads, batch 1, performer m = ${m}`);
  const lengths = quick ? [512, 1024] : [512, 1024, 2048, 4096, 8192];
  // Softmax at L >= 2048 takes minutes on 2 cores: one run there.
  const repsAt = (length: number): number => (quick || length >= 2048 ? 1 : 3);
  const attentionOf = (kind: 'softmax' | 'performer') =>
    kind === 'softmax' ? { type: 'softmax' as const } : { type: 'performer', features: m, seed: 1 };

  // One attention layer (projections + kernel), then a 4-layer BERT-style encoder.
  for (const length of lengths) {
    for (const kind of ['softmax', 'performer'] as const) {
      if (kind === 'softmax' && softmaxBytes(length) > budget) {
        const note = `skipped: L×L scores need ~${(softmaxBytes(length) / 2 ** 30).toFixed(1)} GiB`;
        rows.push({ kind: 'layer', attention: kind, length, note }, { kind: 'encoder', attention: kind, length, note });
        log(`L=${length} softmax ${note}`);
        continue;
      }
      const layer = new MultiHeadAttention({
        name: `bench-${kind}-${length}`,
        heads: HEADS,
        headSize: HIDDEN / HEADS,
        maskInput: true,
        attention: attentionOf(kind),
      });
      const x = tf.randomNormal([1, length, HIDDEN], 0, 1, 'float32', 1);
      const mask = tf.ones([1, length]);
      const call = (): TF.Tensor => layer.apply([x, mask]) as TF.Tensor;
      tf.dispose(call()); // build + warm up
      const ms = await median(repsAt(length), call);
      const peak = await peakBytes(call);
      rows.push({
        kind: 'layer',
        attention: kind,
        length,
        features: kind === 'performer' ? m : undefined,
        ms,
        peakBytes: peak,
        rssBytes: process.memoryUsage().rss,
      });
      log(
        `layer   L=${String(length).padStart(5)} ${kind.padEnd(9)} ${ms.toFixed(1).padStart(9)} ms  peak ${(peak / 2 ** 20).toFixed(1).padStart(8)} MiB  rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`,
      );
      tf.dispose([x, mask]);
      layer.dispose();

      const built = buildTransformerModel({
        model: 'bert',
        config: {
          model_type: 'bert',
          hidden_size: HIDDEN,
          num_hidden_layers: 4,
          num_attention_heads: HEADS,
          intermediate_size: 4 * HIDDEN,
          vocab_size: 1000,
          max_position_embeddings: Math.max(...lengths),
          type_vocab_size: 2,
          hidden_act: 'gelu',
          layer_norm_eps: 1e-12,
          hidden_dropout_prob: 0,
          attention_probs_dropout_prob: 0,
          initializer_range: 0.02,
        },
        attention: attentionOf(kind),
      });
      const ids = [Array.from({ length }, (_, i) => 1 + ((i * 7919) % 999))];
      const forward = (): TF.Tensor[] => Object.values(runModel(built, { input_ids: ids }));
      tf.dispose(forward());
      const ems = await median(repsAt(length), forward);
      const epeak = await peakBytes(forward);
      rows.push({
        kind: 'encoder',
        attention: kind,
        length,
        features: kind === 'performer' ? m : undefined,
        ms: ems,
        peakBytes: epeak,
        rssBytes: process.memoryUsage().rss,
      });
      log(
        `encoder L=${String(length).padStart(5)} ${kind.padEnd(9)} ${ems.toFixed(1).padStart(9)} ms  peak ${(epeak / 2 ** 20).toFixed(1).padStart(8)} MiB  rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`,
      );
      built.model.dispose();
    }
  }
  for (const kind of ['layer', 'encoder'] as const) {
    const at = (attention: string, length: number) =>
      rows.find((r) => r.kind === kind && r.attention === attention && r.length === length);
    const cross = lengths.find((l) => {
      const [s, p] = [at('softmax', l), at('performer', l)];
      return s?.ms === undefined || (p?.ms !== undefined && p.ms < s.ms);
    });
    const note =
      cross === undefined
        ? `performer not faster up to L=${lengths[lengths.length - 1]}`
        : `performer faster from L=${cross} (of ${lengths.join(', ')})`;
    rows.push({ kind: 'crossover', note: `${kind}: ${note}` });
    log(`crossover ${kind}: ${note}`);
  }

  // Approximation error vs m: head size 64, L = 256, q, k ~ N(0, std²) (FAVOR+'s variance grows like
  // exp(|q~ + k~|²), so the input scale matters as much as m), v ~ N(0, 1); mean over 3 projection seeds.
  const featureList = quick ? [64, 256, 1024] : [64, 128, 256, 512, 1024, 2048, 4096];
  for (const std of [0.5, 1]) {
    const [q, k] = [2, 3].map((seed) => tf.randomNormal([1, HEADS, 256, 64], 0, std, 'float32', seed));
    const v = tf.randomNormal([1, HEADS, 256, 64], 0, 1, 'float32', 4);
    const exact = softmaxAttention({
      q,
      k,
      v,
      keyMask: null,
      bias: null,
      causal: false,
      scale: 1 / 8,
      dropout: 0,
      training: false,
    });
    for (const features of featureList) {
      let sum = 0;
      for (const seed of [1, 2, 3]) {
        sum += tf.tidy(() => {
          const proj = tf.tensor2d(orthogonalRandomFeatures(features, 64, seed), [features, 64]);
          const out = favorAttention({ q, k, v }, proj);
          return tf.norm(tf.sub(out, exact)).dataSync()[0] / tf.norm(exact).dataSync()[0];
        });
      }
      rows.push({ kind: 'error', features, length: 256, relError: sum / 3, note: `q, k std ${std}` });
      log(`error   q,k std ${std}  m=${String(features).padStart(5)}  relative error vs exact ${(sum / 3).toFixed(4)}`);
    }
    tf.dispose([q, k, v, exact]);
  }
  return rows;
}

const invokedDirectly = process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  const backendArg = process.argv.find((a) => a.startsWith('--backend='))?.split('=')[1];
  await runPerformerBench({
    quick: process.argv.includes('--quick'),
    backend: backendArg === 'cpu' ? 'cpu' : undefined,
  });
}
