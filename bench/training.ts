/**
 * Training throughput, engines side by side on the same CPU in one run (`pnpm bench --sections training`):
 * our onnx engine (bench/training-onnx.ts, each configuration in its own process for its own peak RSS)
 * at B x L and at an effective 32 x L in micro-batches of B, our tfjs-wasm Trainer at B x L (below), and
 * PyTorch (bench/torch-training.py) at both shapes when a Python with torch is found. No fixed anchor:
 * a reference is measured in the same run or absent.
 *
 * The tfjs part: a BERT-base-sized model (12 x 768, 12 heads, FFN 3072, vocab 21128, random
 * weights) fine-tunes a 2-class head (the NSP logits) with AdamW on wasm, at an effective batch of
 * 32 x 128 that the trainer splits into micro-batches to stay under its memory budget. Reports training
 * tokens/s over the steps after the first (the first also runs the dry runs and allocates the optimizer
 * slots), the micro-batch size chosen and the peak RSS.
 *
 *   node packages/cli/bin/run-ts.js bench/training.ts [--layers 12] [--steps 3] [--batch 32] [--seq 128] [--threads 2] [--budget 2.5e9]
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import {
  DataGenerator,
  Trainer,
  adamW,
  crossEntropy,
  getBackendInfo,
  initBackend,
  seededUniform,
  toTensorBatch,
  type StepLogs,
} from '@bert4tfjs/core';
import { buildTransformerModel } from '@bert4tfjs/models';
import { runChildForResult } from './lib/child.ts';
import { benchArgs, isMainModule } from './lib/cli.ts';
import { REPO_ROOT } from './lib/data.ts';
import { bertBaseConfig } from './lib/training-model.ts';
import type { OnnxTrainingBenchResult } from './training-onnx.ts';
import { runTorchTrainingBench, type TorchTrainingResult } from './training-torch.ts';

/** Options of {@link runTrainingBench}. */
export interface TrainingBenchOptions {
  layers?: number;
  /** Optimizer steps (the first is not timed). Default 3. */
  steps?: number;
  batchSize?: number;
  seqLen?: number;
  threads?: number;
  backend?: 'wasm' | 'cpu' | 'auto';
  /** The trainer's memory budget in bytes (default: its own, 2.5 GB on wasm). */
  memoryBudget?: number;
  /** Print progress lines (default true). */
  log?: boolean;
}

/** What {@link runTrainingBench} measured. */
export interface TrainingBenchResult {
  backend: string;
  threads: number;
  layers: number;
  batchSize: number;
  seqLen: number;
  microBatchSize: number;
  microBatches: number;
  /** Seconds of every step, the first included. */
  stepSeconds: number[];
  /** Tokens per second over the timed steps (all but the first). */
  tokensPerSecond: number;
  /** Process CPU seconds (user + system, all threads) of every step: on a shared machine, wall time / CPU time shows contention. */
  stepCpuSeconds: number[];
  /** Peak resident set size of this process. */
  peakRssBytes: number;
  /** Peak tensor bytes the planner estimated for a step. */
  estimatedStepBytes: number;
  losses: number[];
}

/** Runs the tfjs training benchmark in this process. */
export async function runTfjsTrainingBench(options: TrainingBenchOptions = {}): Promise<TrainingBenchResult> {
  const { layers = 12, steps = 3, batchSize = 32, seqLen = 128, threads = 2, backend = 'wasm', log = true } = options;
  const say = (s: string): void => {
    if (log) process.stderr.write(`${s}\n`);
  };
  await initBackend({ backend, threads, quiet: !log });
  const info = getBackendInfo()!;
  say(`backend ${info.name}, ${info.threads} thread(s)`);
  const config = bertBaseConfig(layers);

  const built = buildTransformerModel({ model: 'bert', config, withPool: true, withNsp: true });
  // Deterministic pseudo-random token ids and labels: the speed does not depend on the values.
  const rand = seededUniform(12345);
  const examples = Array.from({ length: batchSize * steps }, () => ({
    ids: Array.from({ length: seqLen }, () => 1000 + Math.floor(rand() * 20000)),
    label: rand() < 0.5 ? 0 : 1,
  }));
  const gen = new DataGenerator(examples, {
    batchSize,
    collate: (xs) =>
      toTensorBatch({
        input_ids: xs.map((x) => x.ids),
        token_type_ids: xs.map((x) => x.ids.map(() => 0)),
        attention_mask: xs.map((x) => x.ids.map(() => 1)),
        labels: xs.map((x) => x.label),
      }),
  });
  const trainer = new Trainer({
    model: built.model,
    loss: (outputs, batch) => crossEntropy(batch.labels, outputs[outputs.length - 1]),
    optimizer: adamW({ learningRate: 2e-5, weightDecay: 0.01 }),
    memoryBudget: options.memoryBudget,
    progress: false,
  });
  const history: StepLogs[] = [];
  const cpu: number[] = [];
  let lastCpu = process.cpuUsage();
  await trainer.fit(gen, {
    epochs: 1,
    callbacks: [
      {
        onTrainBegin: () => {
          lastCpu = process.cpuUsage();
        },
        onStepEnd: (l) => {
          history.push(l);
          const used = process.cpuUsage(lastCpu);
          lastCpu = process.cpuUsage();
          cpu.push((used.user + used.system) / 1e6);
          const rss = process.memoryUsage().rss;
          say(
            `step ${l.step}: loss ${l.loss.toFixed(4)}, ${l.stepTime.toFixed(1)} s (cpu ${cpu[cpu.length - 1].toFixed(1)} s), ${l.microBatches} micro-batches, ${((l.tokens ?? 0) / l.stepTime).toFixed(1)} tok/s, rss ${(rss / 2 ** 30).toFixed(2)} GiB`,
          );
        },
      },
    ],
  });
  const plan = trainer.lastPlan!;
  const timed = history.length > 1 ? history.slice(1) : history;
  const tokens = timed.reduce((a, h) => a + (h.tokens ?? 0), 0);
  const secs = timed.reduce((a, h) => a + h.stepTime, 0);
  const result: TrainingBenchResult = {
    backend: info.name,
    threads: info.threads,
    layers,
    batchSize,
    seqLen,
    microBatchSize: plan.microBatchSize,
    microBatches: plan.sizes.length,
    stepSeconds: history.map((h) => h.stepTime),
    tokensPerSecond: tokens / secs,
    stepCpuSeconds: cpu,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    estimatedStepBytes: plan.estimatedBytes,
    losses: history.map((h) => h.loss),
  };
  trainer.optimizer.dispose();
  built.model.dispose();
  return result;
}

/** Options of {@link runTrainingBench}. */
export interface TrainingSectionOptions {
  layers?: number;
  /** Steps of each 8 x 128 run (the first is not timed). */
  steps?: number;
  /** Steps of each accumulated run. */
  accumSteps?: number;
  batchSize?: number;
  seqLen?: number;
  /** Micro-batches of the accumulated rows (effective batch = accum x batchSize). */
  accum?: number;
  threads?: number;
  log?: boolean;
}

/** Every engine's figure of one run; an engine that could not run has `{ error }`. */
export interface TrainingSectionResult {
  loadAverage: number[];
  onnx: OnnxTrainingBenchResult | { error: string };
  onnxAccum: OnnxTrainingBenchResult | { error: string };
  tfjs: TrainingBenchResult | { error: string };
  torch: TorchTrainingResult | { error: string };
  torchAccum: TorchTrainingResult | { error: string };
}

/** The training section: onnx (child processes), PyTorch (a Python child), then tfjs (this process). */
export async function runTrainingBench(o: TrainingSectionOptions = {}): Promise<TrainingSectionResult> {
  const { layers = 12, steps = 4, accumSteps = 3, batchSize = 8, seqLen = 128, accum = 4, threads = 2 } = o;
  const onnxRun = (a: number, n: number): OnnxTrainingBenchResult | { error: string } => {
    const args = [
      '--layers',
      layers,
      '--steps',
      n,
      '--batch',
      batchSize,
      '--seq',
      seqLen,
      '--accum',
      a,
      '--threads',
      threads,
    ];
    const r = runChildForResult<OnnxTrainingBenchResult>(
      join(REPO_ROOT, 'bench', 'training-onnx.ts'),
      args.map(String),
      10 * 60_000,
    );
    return 'result' in r ? r.result : { error: `onnx engine: ${r.error}` };
  };
  const common = { layers, batchSize, seqLen, threads };
  const onnx = onnxRun(1, steps);
  const onnxAccum = onnxRun(accum, accumSteps);
  const torch = runTorchTrainingBench({ ...common, steps });
  const torchAccum = 'error' in torch ? torch : runTorchTrainingBench({ ...common, steps: accumSteps, accum });
  let tfjs: TrainingBenchResult | { error: string };
  try {
    tfjs = await runTfjsTrainingBench({ ...common, steps: 3, log: o.log });
  } catch (e) {
    tfjs = { error: (e as Error).message };
  }
  return { loadAverage: loadavg(), onnx, onnxAccum, tfjs, torch, torchAccum };
}

if (isMainModule(import.meta.url)) {
  const { num } = benchArgs();
  let r: TrainingBenchResult;
  try {
    r = await runTfjsTrainingBench({
      layers: num('layers'),
      steps: num('steps'),
      batchSize: num('batch'),
      seqLen: num('seq'),
      threads: num('threads'),
      memoryBudget: num('budget'),
    });
  } catch (e) {
    // The trainer refuses a step that would not fit (wasm would hang): report that as the result.
    console.log(`training: ${(e as Error).message}`);
    process.exit(1);
  }
  console.log(JSON.stringify(r, null, 2));
  console.log(
    `training: ${r.tokensPerSecond.toFixed(1)} tokens/s (${r.layers} layers, batch ${r.batchSize} x ${r.seqLen} as ${r.microBatches} micro-batches of <= ${r.microBatchSize}, ${r.threads} wasm threads); peak RSS ${(r.peakRssBytes / 2 ** 30).toFixed(2)} GiB`,
  );
}
