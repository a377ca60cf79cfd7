/**
 * Forward-pass speed on tfjs: a random-weight BERT (BERT-base shape by default) written as a model
 * directory, then (1) the time to load it (build + read model.safetensors), (2) the fixed-shape forward at
 * batch 8 x 128, (3) the length-bucketed Embedder on real short sentences (STS-B zh), and the peak RSS
 * of it all. Medians of several runs after warm-up.
 *
 *   node packages/cli/bin/run-ts.js bench/forward.ts [--quick] [--threads 2] [--reps 5]
 */
import * as tf from '@tensorflow/tfjs';
import { getBackendInfo, initBackend } from '@bert4tfjs/core';
import { loadModelDir, runModel, type TransformerModel } from '@bert4tfjs/models';
import { Tokenizer } from '@bert4tfjs/tokenizers';
import { Embedder } from 'bert4tfjs';
import { findVocab, loadSentences } from './lib/data.ts';
import { BERT_BASE, BERT_TINY, forwardFlop, makeRandomModelDir, randomIds, type BertShape } from './lib/model.ts';
import { maxAbsDiff } from '../test/helpers/compare.ts';
import { RssSampler } from './lib/rss.ts';
import { loadAverage, measure, median, type Timing } from './lib/stats.ts';
import { tfjs } from './lib/tfjs.ts';
import { HANDWRITTEN_BEST, loadPlainBertWeights, plainBertForward } from './lib/plain-bert.ts';
import { benchArgs, isMainModule } from './lib/cli.ts';

/** Options of {@link runForwardBench}. */
export interface ForwardBenchOptions {
  shape?: BertShape;
  batch?: number;
  seq?: number;
  /** Timed runs per measurement (after `warmup`). Default 5. */
  reps?: number;
  warmup?: number;
  /** Model loads timed (each builds a fresh model). Default 3. */
  loadReps?: number;
  /** Sentences in the variable-length workload. Default 512. */
  sentences?: number;
  /** Also time the hand-written forward (default true). */
  handwritten?: boolean;
  /** Embedder batch size. Default 32. */
  embedBatch?: number;
  threads?: number;
  backend?: 'wasm' | 'cpu';
  log?: (line: string) => void;
}

/** What {@link runForwardBench} measured. */
export interface ForwardBenchResult {
  backend: string;
  threads: number;
  shape: BertShape;
  weightBytes: number;
  /** Build + load of the model directory. */
  load: Timing;
  fixed: Timing & { batch: number; seq: number; tokensPerSecond: number; gflops: number };
  /** The same forward hand-written in tfjs ops with 2 threads and explicit transposes only (bench/lib/plain-bert.ts). */
  handwritten?: Timing & { tokensPerSecond: number; gflops: number; maxAbsDiff: number };
  variable: Timing & {
    source: string;
    sentences: number;
    /** Real (unpadded) tokens, [CLS]/[SEP] included. */
    realTokens: number;
    /** Positions run after padding each length bucket to its longest. */
    paddedTokens: number;
    batchSize: number;
    sentencesPerSecond: number;
    tokensPerSecond: number;
  };
  /** Peak RSS sampled while loading and running. */
  peakRssBytes: number;
  /** Tensors alive after the runs minus before (0 = no leak). */
  leakedTensors: number;
}

/** Times the hand-written forward on the same weights and ids, and checks it computes what the model does. */
async function measureHandwritten(
  model: TransformerModel,
  dir: string,
  shape: BertShape,
  ids: number[][],
  reps: number,
): Promise<ForwardBenchResult['handwritten']> {
  const out = runModel(model, { input_ids: ids });
  const expected = (await out.last_hidden_state.data()) as Float32Array;
  for (const t of Object.values(out)) t.dispose();
  const weights = loadPlainBertWeights(dir);
  const idTensor = tf.tensor2d(ids, [ids.length, ids[0].length], 'int32');
  try {
    const run = async (): Promise<Float32Array> => {
      const y = plainBertForward(
        weights,
        { layers: shape.layers, hidden: shape.hidden, heads: shape.heads, eps: 1e-12 },
        HANDWRITTEN_BEST,
        idTensor,
      );
      const data = (await y.data()) as Float32Array;
      y.dispose();
      return data;
    };
    const diff = maxAbsDiff(await run(), expected);
    const t = await measure(run, { warmup: 0, reps });
    const tokens = ids.length * ids[0].length;
    return {
      ...t,
      tokensPerSecond: tokens / t.median,
      gflops: forwardFlop(shape, ids.length, ids[0].length) / t.median / 1e9,
      maxAbsDiff: diff,
    };
  } finally {
    weights.dispose();
    idTensor.dispose();
  }
}

/** Runs the forward benchmark in this process (initialising the backend). */
export async function runForwardBench(options: ForwardBenchOptions = {}): Promise<ForwardBenchResult> {
  const shape = options.shape ?? BERT_BASE;
  const { batch = 8, seq = 128, reps = 5, warmup = 1, loadReps = 3, embedBatch = 32 } = options;
  const say = options.log ?? (() => {});
  await initBackend({ backend: options.backend ?? 'wasm', threads: options.threads ?? 2, quiet: true });
  const info = getBackendInfo()!;
  const vocab = findVocab();
  const rss = new RssSampler().start();
  say(`forward: making a random ${shape.layers} x ${shape.hidden} model (${info.name}, ${info.threads} thread(s))`);
  const made = await makeRandomModelDir(shape, vocab.path);
  const tensorsBefore = tfjs().memory().numTensors;
  let built: TransformerModel | null = null;
  try {
    // Each load builds and fills a fresh model (the previous one is disposed untimed); the last one runs.
    const loadSamples: number[] = [];
    const loadBefore = loadAverage();
    for (let i = 0; i < Math.max(1, loadReps); i++) {
      (built as TransformerModel | null)?.model.dispose();
      const t0 = performance.now();
      built = loadModelDir(made.dir, { withPool: false, withMlm: false, withNsp: false });
      loadSamples.push((performance.now() - t0) / 1000);
      rss.sample();
    }
    const load: Timing = {
      samples: loadSamples,
      median: median(loadSamples),
      cpuMedian: Number.NaN,
      warmup: 0,
      loadBefore,
      loadAfter: loadAverage(),
    };
    const model = built! as TransformerModel;
    say(`forward: load ${load.median.toFixed(2)} s (median of ${loadReps})`);

    const ids = randomIds(batch, seq, 1000, Math.min(shape.vocab, 21000));
    const fixed = await measure(
      async () => {
        const out = runModel(model, { input_ids: ids });
        await out.last_hidden_state.data();
        rss.sample();
        for (const t of Object.values(out)) t.dispose();
      },
      { warmup, reps },
    );
    const tokensPerSecond = (batch * seq) / fixed.median;
    const gflops = forwardFlop(shape, batch, seq) / fixed.median / 1e9;
    say(
      `forward: ${batch} x ${seq}: ${tokensPerSecond.toFixed(1)} tokens/s, ${gflops.toFixed(1)} GFLOP/s (median of ${reps}; load avg ${fixed.loadAfter})`,
    );

    const { sentences, source } = loadSentences(options.sentences ?? 512);
    const tokenizer = Tokenizer.fromVocabFile(vocab.path);
    const embedder = new Embedder(model, tokenizer, { batchSize: embedBatch, pooling: 'cls' });
    const inputs = sentences.map((text) => ({ text }));
    const lengths = sentences.map((t) => tokenizer.encode(t).inputIds.length);
    const sorted = lengths
      .map((l, i) => [l, i])
      .sort((a, b) => a[0] - b[0] || a[1] - b[1])
      .map((x) => x[0]);
    let padded = 0;
    for (let i = 0; i < sorted.length; i += embedBatch)
      padded += Math.max(...sorted.slice(i, i + embedBatch)) * Math.min(embedBatch, sorted.length - i);
    const realTokens = lengths.reduce((a, b) => a + b, 0);
    // One untimed pass first: it meets every bucket shape the timed passes will see.
    const variable = await measure(
      () => {
        embedder.embed(inputs);
        rss.sample();
      },
      { warmup: Math.min(warmup, 1), reps: Math.max(1, Math.min(reps, 3)) },
    );
    const sentencesPerSecond = sentences.length / variable.median;
    say(
      `forward: ${sentences.length} sentences (${source}), bucketed batches of ${embedBatch}: ${sentencesPerSecond.toFixed(1)} sentences/s, ${(realTokens / variable.median).toFixed(1)} real tokens/s`,
    );

    // Peak RSS covers load + forward + embed; the hand-written comparison (its own weight copies) comes after.
    const peakRssBytes = rss.stop();
    const handwritten =
      options.handwritten === false
        ? undefined
        : await measureHandwritten(model, made.dir, shape, ids, Math.max(1, Math.min(reps, 3)));
    if (handwritten)
      say(`forward: hand-written (2 threads, explicit transposes): ${handwritten.tokensPerSecond.toFixed(1)} tokens/s`);
    model.model.dispose();
    built = null;
    return {
      backend: info.name,
      threads: info.threads,
      shape,
      weightBytes: made.weightBytes,
      load,
      fixed: { ...fixed, batch, seq, tokensPerSecond, gflops },
      handwritten,
      variable: {
        ...variable,
        source,
        sentences: sentences.length,
        realTokens,
        paddedTokens: padded,
        batchSize: embedBatch,
        sentencesPerSecond,
        tokensPerSecond: realTokens / variable.median,
      },
      peakRssBytes,
      leakedTensors: tfjs().memory().numTensors - tensorsBefore,
    };
  } finally {
    (built as TransformerModel | null)?.model.dispose();
    rss.stop();
    made.remove();
  }
}

if (isMainModule(import.meta.url)) {
  const { args, num } = benchArgs();
  const quick = args.includes('--quick');
  const r = await runForwardBench({
    shape: quick ? BERT_TINY : BERT_BASE,
    reps: num('reps') ?? (quick ? 1 : 5),
    threads: num('threads'),
    sentences: quick ? 64 : num('sentences'),
    log: (l) => process.stderr.write(`${l}\n`),
  });
  console.log(JSON.stringify(r, null, 2));
}
