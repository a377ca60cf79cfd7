/**
 * Training throughput of the ONNX engine: the training-step graph (@bert4tfjs/models
 * `buildTrainingGraph`, cross-encoder softmax CE, dropout masks fed) of a BERT-base-sized model
 * (random weights) run by onnxruntime-node's OnnxTrainLoop, at batch B x L in one 'step' graph and at
 * an effective batch split into micro-batches ('grads' + 'apply' graphs). Reports tokens/s of the
 * median step after the first, the bytes onnxruntime hands back to JavaScript each step, and the peak RSS.
 *
 *   node packages/cli/bin/run-ts.js bench/training-onnx.ts [--layers 12] [--steps 3] [--batch 8] [--seq 128] [--accum 4] [--threads 2]
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import {
  loadOrt,
  OnnxTrainLoop,
  type OrtModuleLike,
  type OrtTensorLike,
  seededUniform,
  trainingSessionOptions,
} from '@bert4tfjs/core';
import { buildTrainingGraph, buildTransformerModel, type TrainGraph } from '@bert4tfjs/models';
import { benchArgs, isMainModule } from './lib/cli.ts';
import { bertBaseConfig, type TrainingShape } from './lib/training-model.ts';

/** Options of {@link runOnnxTrainingBench}. */
export interface OnnxTrainingBenchOptions extends TrainingShape {
  /** An onnxruntime-node package directory to load instead of ours (to compare versions on the same graph). */
  ortPath?: string;
  log?: boolean;
}

/** What {@link runOnnxTrainingBench} measured. */
export interface OnnxTrainingBenchResult {
  engine: string;
  threads: number;
  layers: number;
  batchSize: number;
  seqLen: number;
  accum: number;
  stepSeconds: number[];
  tokensPerSecond: number;
  /** Bytes onnxruntime returned to JavaScript in the last step (updated state, accumulators, loss). */
  bytesOutPerStep: number;
  /** Bytes onnxruntime wrote into the loop's pre-allocated state buffers in the last step. */
  bytesInPlacePerStep: number;
  /** Bytes of the parameters (one copy of the weights). */
  paramBytes: number;
  losses: number[];
  /** Peak RSS of this process when the bench ended. */
  peakRssBytes: number;
  graphNodes: number;
}

/** onnxruntime-node from a package directory (another version than the one we depend on). */
export function ortFrom(dir: string): { ort: OrtModuleLike; version: string } {
  const req = createRequire(`${dir.replace(/\/$/, '')}/`);
  return {
    ort: req(dir) as OrtModuleLike,
    version: (req(`${dir}/package.json`) as { version: string }).version,
  };
}

function dataFeeds(
  ort: OrtModuleLike,
  graph: GraphShape,
  batch: number,
  seq: number,
  rand: () => number,
): Record<string, OrtTensorLike> {
  const n = batch * seq;
  const feeds: Record<string, OrtTensorLike> = {
    input_ids: new ort.Tensor(
      'int64',
      BigInt64Array.from({ length: n }, () => BigInt(1000 + Math.floor(rand() * 20000))),
      [batch, seq],
    ),
    token_type_ids: new ort.Tensor('int64', new BigInt64Array(n), [batch, seq]),
    attention_mask: new ort.Tensor('float32', new Float32Array(n).fill(1), [batch, seq]),
    targets: new ort.Tensor(
      'float32',
      Float32Array.from({ length: batch * 2 }, (_, i) => (i % 2 === (Math.floor(i / 2) % 2 ? 1 : 0) ? 1 : 0)),
      [batch, 2],
    ),
  };
  const dims: Record<string, number> = { batch, seq };
  for (const site of graph.dropout) {
    const shape = site.shape.map((d) => (typeof d === 'number' ? d : dims[d]));
    const size = shape.reduce((a, b) => a * b, 1);
    const keep = new Uint8Array(size);
    for (let i = 0; i < size; i++) keep[i] = rand() >= site.rate ? 1 : 0;
    feeds[site.name] = new ort.Tensor('bool', keep, shape);
  }
  for (const inp of graph.inputs)
    if (!(inp.name in feeds) && inp.name !== 'grad_weight')
      throw new Error(`training-onnx bench: no feed for graph input '${inp.name}'`);
  return feeds;
}

/** The graph facts the bench's feeds need (inputs, dropout sites), without the parameter data. */
type GraphShape = Pick<TrainGraph, 'inputs' | 'dropout' | 'nodes'>;

/** Builds the BERT-base-shaped training graph(s) and opens them in an OnnxTrainLoop. */
async function openLoop(
  ort: OrtModuleLike,
  layers: number,
  accum: number,
  threads: number,
): Promise<{ loop: OnnxTrainLoop; g: GraphShape; paramBytes: number }> {
  const built = buildTransformerModel({ model: 'bert', config: bertBaseConfig(layers), numLabels: 2 });
  const spec = { objective: 'cross-encoder' as const, crossEncoderLoss: 'ce' as const };
  const main = buildTrainingGraph(built, accum === 1 ? spec : { ...spec, mode: 'grads' });
  const graphs =
    accum === 1
      ? { step: main.bytes }
      : { grads: main.bytes, apply: buildTrainingGraph(built, { ...spec, mode: 'apply' }).bytes };
  built.model.dispose();
  const loop = await OnnxTrainLoop.open(ort, graphs, main.params, trainingSessionOptions(threads));
  const paramBytes = main.params.reduce((a, p) => a + p.data.byteLength, 0);
  return { loop, g: { inputs: main.inputs, dropout: main.dropout, nodes: main.nodes }, paramBytes };
}

/** Runs the ONNX-engine training benchmark in this process. */
export async function runOnnxTrainingBench(options: OnnxTrainingBenchOptions = {}): Promise<OnnxTrainingBenchResult> {
  const { layers = 12, steps = 3, batchSize = 8, seqLen = 128, accum = 1, threads = 2, log = true } = options;
  const say = (s: string): void => {
    if (log) process.stderr.write(`${s}\n`);
  };
  const { ort, version } = options.ortPath ? ortFrom(options.ortPath) : loadOrt();
  // Built in a helper so the graphs' own weight copies (390 MiB each at BERT-base) are garbage once
  // the loop holds its copy: the RSS measured is the engine's, not the bench's.
  const { loop, g, paramBytes } = await openLoop(ort, layers, accum, threads);
  say(
    `onnxruntime-node ${version}, ${threads} thread(s), ${g.nodes} nodes, ${(paramBytes / 2 ** 20).toFixed(0)} MiB of parameters`,
  );
  const rand = seededUniform(12345);
  const secs: number[] = [];
  const losses: number[] = [];
  let bytesOut = 0;
  let bytesInPlace = 0;
  for (let s = 0; s < steps; s++) {
    const micro = Array.from({ length: accum }, () => ({
      feeds: dataFeeds(ort, g, batchSize, seqLen, rand),
      weight: 1 / accum,
    }));
    const t0 = performance.now();
    const r = await loop.trainStep(micro, 2e-5);
    secs.push((performance.now() - t0) / 1000);
    losses.push(r.loss);
    bytesOut = r.bytesOut;
    bytesInPlace = r.bytesInPlace;
    say(
      `onnx step ${s + 1}: loss ${r.loss.toFixed(4)}, ${secs[s].toFixed(1)} s, ${((batchSize * seqLen * accum) / secs[s]).toFixed(1)} tok/s, ${(r.bytesOut / 2 ** 20).toFixed(0)} MiB returned, ${(r.bytesInPlace / 2 ** 20).toFixed(0)} MiB in place, rss ${(process.memoryUsage().rss / 2 ** 30).toFixed(2)} GiB`,
    );
  }
  await loop.dispose();
  // The median step after the first (which also builds onnxruntime's memory arena).
  const timed = (secs.length > 1 ? secs.slice(1) : secs).sort((a, b) => a - b);
  const mid = timed.length >> 1;
  const median = timed.length % 2 ? timed[mid] : (timed[mid - 1] + timed[mid]) / 2;
  return {
    engine: `onnxruntime-node ${version}`,
    threads,
    layers,
    batchSize,
    seqLen,
    accum,
    stepSeconds: secs,
    tokensPerSecond: (batchSize * seqLen * accum) / median,
    bytesOutPerStep: bytesOut,
    bytesInPlacePerStep: bytesInPlace,
    paramBytes,
    losses,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    graphNodes: g.nodes,
  };
}

if (isMainModule(import.meta.url)) {
  const { num } = benchArgs();
  const r = await runOnnxTrainingBench({
    layers: num('layers'),
    steps: num('steps'),
    batchSize: num('batch'),
    seqLen: num('seq'),
    accum: num('accum'),
    threads: num('threads'),
    ortPath: process.env.BERT4TFJS_ORT_PATH,
  });
  const i = process.argv.indexOf('--result');
  if (i >= 0) writeFileSync(process.argv[i + 1], JSON.stringify(r));
  else console.log(JSON.stringify(r, null, 2));
}
