/**
 * Which wasm changes gave what: one encoder layer of BERT-base width (hidden 768, 12 heads, FFN 3072, with
 * embeddings) at batch 8 x 128, run by a plain tfjs forward with each change switched on in turn, then by
 * the library model. Every step runs the same weights and inputs; its output is compared with the library
 * model's, so no step is faster by computing something else. One layer, because the changes act per layer
 * and the unchanged first steps take ~10 s per layer. The 1-thread steps run in a child process: the wasm
 * thread pool is fixed at start-up.
 *
 *   node packages/cli/bin/run-ts.js bench/ablation.ts [--layers 1] [--reps 3] [--quick]
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { getBackendInfo, initBackend } from '@bert4tfjs/core';
import { loadModelDir, runModel, type TransformerModel } from '@bert4tfjs/models';
import { runChildForResult } from './lib/child.ts';
import { benchArgs, isMainModule } from './lib/cli.ts';
import { findVocab } from './lib/data.ts';
import { BERT_BASE, BERT_TINY, forwardFlop, makeRandomModelDir, randomIds, type BertShape } from './lib/model.ts';
import { maxAbsDiff } from '../test/helpers/compare.ts';
import { loadPlainBertWeights, plainBertForward, type PlainVariant } from './lib/plain-bert.ts';
import { median } from './lib/stats.ts';

/** One step of the ablation: a plain-forward variant at a thread count, or the library model. */
export interface AblationStep {
  id: string;
  label: string;
  threads: 1 | 2;
  variant: PlainVariant | 'library';
}

const DEFAULTS: PlainVariant = { transposeFlag: true, fusedBias: false, slicedAttention: false };

/** The steps, in order; each adds one change to the one before. */
export const ABLATION_STEPS: AblationStep[] = [
  {
    id: 'defaults',
    threads: 1,
    variant: DEFAULTS,
    label:
      'plain tfjs: 1 thread (Node default), tf.matMul(x, W, false, true) on [out, in] weights, 4-D attention matMuls',
  },
  {
    id: 'explicit-transpose',
    threads: 1,
    variant: { ...DEFAULTS, transposeFlag: false },
    label: '+ weights kept [in, out]: no transpose-flag matmul (XNNPACK instead of a naive loop)',
  },
  {
    id: 'threads',
    threads: 2,
    variant: { ...DEFAULTS, transposeFlag: false },
    label: '+ 2 wasm threads (worker script + pool sized to the cores)',
  },
  {
    id: 'fused-bias',
    threads: 2,
    variant: { ...DEFAULTS, transposeFlag: false, fusedBias: true },
    label: '+ matmul and bias in one kernel (tf.fused.matMul)',
  },
  {
    id: 'sliced-attention',
    threads: 2,
    variant: { transposeFlag: false, fusedBias: true, slicedAttention: true },
    label: '+ attention products as 2-D XNNPACK products (ops/batched.ts)',
  },
  {
    id: 'scale-query',
    threads: 2,
    variant: { transposeFlag: false, fusedBias: true, slicedAttention: true, scaleQuery: true },
    label: '+ 1/sqrt(d) applied to q (L x d) instead of the scores (L x L)',
  },
  {
    id: 'layer-norm',
    threads: 2,
    variant: { transposeFlag: false, fusedBias: true, slicedAttention: true, scaleQuery: true, plainLayerNorm: true },
    label: '+ LayerNorm as mean / centred square / rsqrt instead of tf.moments',
  },
  {
    id: 'gather-nd',
    threads: 2,
    variant: {
      transposeFlag: false,
      fusedBias: true,
      slicedAttention: true,
      scaleQuery: true,
      plainLayerNorm: true,
      gatherNd: true,
    },
    label: '+ embedding lookups by tf.gatherND (the wasm Gather kernel copies element by element)',
  },
  {
    id: 'library',
    threads: 2,
    variant: 'library',
    label: 'the library model (the same ops through our layers and tfjs-layers)',
  },
];

/** One measured step. */
export interface AblationStepResult {
  id: string;
  label: string;
  threads: number;
  /** Median seconds of one forward. */
  seconds: number;
  samples: number[];
  tokensPerSecond: number;
  gflops: number;
  /** Max |difference| of last_hidden_state from the library model's. */
  maxAbsDiff: number;
}

/** What {@link runAblationBench} measured. */
export interface AblationResult {
  shape: BertShape;
  batch: number;
  seq: number;
  steps: AblationStepResult[];
}

/** Options of {@link runAblationBench}. */
export interface AblationOptions {
  /** Encoder layers of the measured model (default 1: the steps differ per layer, not per model). */
  layers?: number;
  reps?: number;
  /** Threads of the multi-threaded steps (default 2). */
  threads?: number;
  quick?: boolean;
  log?: (line: string) => void;
}

const BATCH = 8;
const SEQ = 128;

function libraryOutput(model: TransformerModel, ids: number[][]): Float32Array {
  const out = runModel(model, { input_ids: ids });
  const data = out.last_hidden_state.dataSync() as Float32Array;
  for (const t of Object.values(out)) t.dispose();
  return data;
}

/** Measures `steps` in this process at the thread count the backend was started with. */
function measureSteps(
  steps: AblationStep[],
  modelDir: string,
  shape: BertShape,
  reps: number,
  say: (l: string) => void,
): AblationStepResult[] {
  if (tf.getBackend() !== 'wasm')
    throw new Error(
      `ablation: expected the wasm backend on the tfjs instance the bench imports, found ${tf.getBackend()}`,
    );
  const ids = randomIds(BATCH, SEQ, 1000, Math.min(shape.vocab, 21000));
  const model = loadModelDir(modelDir, { withPool: false, withMlm: false, withNsp: false });
  const weights = loadPlainBertWeights(modelDir);
  const idTensor = tf.tensor2d(ids, [BATCH, SEQ], 'int32');
  const flop = forwardFlop(shape, BATCH, SEQ);
  const results: AblationStepResult[] = [];
  try {
    const reference = libraryOutput(model, ids);
    const runs = steps.map((step) => (): Float32Array => {
      if (step.variant === 'library') return libraryOutput(model, ids);
      const y = plainBertForward(
        weights,
        { layers: shape.layers, hidden: shape.hidden, heads: shape.heads, eps: 1e-12 },
        step.variant,
        idTensor,
      );
      const data = y.dataSync() as Float32Array;
      y.dispose();
      return data;
    });
    // The untimed first run of each step is its warm-up and the check that it computes the same function.
    const diffs = runs.map((run) => maxAbsDiff(run(), reference));
    // Rounds of every step in turn, so a change in the machine's load falls on all steps alike; every other
    // round runs backwards, so no step always follows the same one.
    const samples: number[][] = steps.map(() => []);
    for (let round = 0; round < reps; round++) {
      const order = runs.map((_, i) => (round % 2 ? runs.length - 1 - i : i));
      for (const i of order) {
        const t0 = performance.now();
        runs[i]();
        samples[i].push((performance.now() - t0) / 1000);
      }
    }
    steps.forEach((step, i) => {
      const seconds = median(samples[i]);
      const r: AblationStepResult = {
        id: step.id,
        label: step.label,
        threads: getBackendInfo()?.threads ?? step.threads,
        seconds,
        samples: samples[i],
        tokensPerSecond: (BATCH * SEQ) / seconds,
        gflops: flop / seconds / 1e9,
        maxAbsDiff: diffs[i],
      };
      say(
        `ablation: ${step.id.padEnd(18)} ${(seconds * 1000).toFixed(0).padStart(6)} ms  ${r.gflops.toFixed(1).padStart(5)} GFLOP/s  max|diff| ${diffs[i].toExponential(1)}`,
      );
      results.push(r);
    });
  } finally {
    model.model.dispose();
    weights.dispose();
    idTensor.dispose();
  }
  return results;
}

/** Runs the 1-thread steps in a child process (this file with --child): the pool size is fixed at start-up. */
function measureInChild(modelDir: string, shape: BertShape, reps: number): AblationStepResult[] {
  const args = ['--child', modelDir, '--reps', String(reps), '--shape', JSON.stringify(shape)];
  const r = runChildForResult<AblationStepResult[]>(fileURLToPath(import.meta.url), args, 10 * 60_000);
  if ('error' in r) throw new Error(`ablation: the 1-thread child ended without a result (${r.error})`);
  return r.result;
}

/** Runs the ablation: builds the model, runs the 1-thread steps in a child and the others here. */
export async function runAblationBench(options: AblationOptions = {}): Promise<AblationResult> {
  const say = options.log ?? (() => {});
  const base = options.quick ? BERT_TINY : BERT_BASE;
  const shape: BertShape = { ...base, layers: options.layers ?? 1 };
  // Rounds: the 2-thread steps take ~0.5 s each; the 1-thread ones ~10 s and ~1 s.
  const reps = options.reps ?? (options.quick ? 1 : 7);
  const childReps = options.quick ? 1 : Math.min(reps, 3);
  await initBackend({ backend: 'wasm', threads: options.threads ?? 2, quiet: true });
  const made = await makeRandomModelDir(shape, findVocab().path);
  try {
    const single = ABLATION_STEPS.filter((s) => s.threads === 1);
    const fromChild = measureInChild(made.dir, shape, childReps);
    if (fromChild.map((s) => s.id).join() !== single.map((s) => s.id).join())
      throw new Error('ablation: the 1-thread child did not return its steps');
    const steps = [
      ...fromChild,
      ...measureSteps(
        ABLATION_STEPS.filter((s) => s.threads === 2),
        made.dir,
        shape,
        reps,
        say,
      ),
    ];
    return { shape, batch: BATCH, seq: SEQ, steps };
  } finally {
    made.remove();
  }
}

/** Per-step gains: each step's speed-up over the one before and over the first. */
export function ablationGains(steps: AblationStepResult[]): Array<{ id: string; vsPrevious: number; vsFirst: number }> {
  return steps.map((s, i) => ({
    id: s.id,
    vsPrevious: i === 0 ? 1 : steps[i - 1].seconds / s.seconds,
    vsFirst: steps[0].seconds / s.seconds,
  }));
}

if (isMainModule(import.meta.url)) {
  const { args, num } = benchArgs();
  const at = (name: string) => args[args.indexOf(`--${name}`) + 1];
  if (args.includes('--child')) {
    // The steps on Node's default single wasm thread.
    await initBackend({ backend: 'wasm', threads: 1, quiet: true });
    const shape = JSON.parse(at('shape')) as BertShape;
    const results = measureSteps(
      ABLATION_STEPS.filter((s) => s.threads === 1),
      at('child'),
      shape,
      num('reps') ?? 3,
      (l) => process.stderr.write(`${l}\n`),
    );
    writeFileSync(at('result'), JSON.stringify(results));
  } else {
    const r = await runAblationBench({
      layers: num('layers'),
      reps: num('reps'),
      quick: args.includes('--quick'),
      log: (l) => process.stderr.write(`${l}\n`),
    });
    console.log(JSON.stringify({ ...r, gains: ablationGains(r.steps) }, null, 2));
  }
  process.exit(0);
}
