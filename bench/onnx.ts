/**
 * ONNX inference speed: a BERT-base-shaped model with random weights (12 x 768, vocab 21128) exported
 * with `exportOnnxDirectory`, then run by our onnx engine (OnnxEmbedder: length-bucketed batches) and by
 * @xenova/transformers' feature-extraction pipeline on the same exported directory and the same texts.
 * Both end in the same onnxruntime-node 1.14, so the fixed-shape workload measures overhead and the
 * variable-length workload (STS-B zh sentences) measures what bucketing saves in padding.
 *
 *   node packages/cli/bin/run-ts.js bench/onnx.ts [--layers 12] [--sentences 2000] [--batch 32] [--fixed-batches 5]
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { initBackend } from '@bert4tfjs/core';
import { buildTransformerModel, saveModelDir } from '@bert4tfjs/models';
import { exportOnnxDirectory, loadOnnxRuntime, loadTokenizerFromDir, OnnxEmbedder } from 'bert4tfjs';
import { maxAbsDiff } from '../test/helpers/compare.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SHARED = process.env.BERT4TFJS_SHARED ?? resolve(REPO, '..', 'shared');

/** Options of {@link runOnnxBench}. */
export interface OnnxBenchOptions {
  layers?: number;
  hidden?: number;
  vocab?: number;
  /** Sentences in the variable-length workload (default 2000). */
  sentences?: number;
  /** Batch size of the variable-length workload (default 32). */
  batch?: number;
  /** Timed 8 x 128 batches per engine, interleaved, median taken (default 5, after one warm-up). */
  fixedBatches?: number;
  /** Print progress lines (default true). */
  log?: boolean;
}

/** One engine on one workload. */
export interface EngineTiming {
  seconds: number;
  /** Real (unpadded) tokens per second. */
  tokensPerSecond: number;
}

/** What {@link runOnnxBench} measured. */
export interface OnnxBenchResult {
  exportSeconds: number;
  onnxBytes: number;
  sentencesSource: string;
  /** Median seconds of one 8 x 128 batch per engine; ratio = xenova / ours time. */
  fixed: { ours: EngineTiming; xenova: EngineTiming; ratio: number };
  variable: {
    sentences: number;
    realTokens: number;
    ours: EngineTiming;
    oursUnbucketed: EngineTiming;
    xenova: EngineTiming;
    /** ours / xenova tokens per second. */
    ratio: number;
    /** Fraction of padded positions in input-order batches vs bucketed ones. */
    paddingUnbucketed: number;
    paddingBucketed: number;
  };
  maxAbsDiff: number;
}

/** Sentences for the variable workload: STS-B zh from ../shared, else the bundled matching data. */
function loadSentences(n: number): { texts: string[]; source: string } {
  const stsb = join(SHARED, 'data', 'stsb-multi-mt-zh');
  const texts: string[] = [];
  let source: string;
  if (existsSync(join(stsb, 'stsb-zh-test.csv'))) {
    source = 'stsb-multi-mt-zh (test, dev)';
    for (const f of ['stsb-zh-test.csv', 'stsb-zh-dev.csv']) {
      for (const line of readFileSync(join(stsb, f), 'utf8').split('\n')) {
        const cols = line.split(',');
        if (cols.length >= 3) texts.push(cols.slice(0, -2).join(','), cols[cols.length - 2]);
      }
    }
  } else {
    source = 'examples/data/zh-matching/test.tsv';
    for (const line of readFileSync(join(REPO, 'examples', 'data', 'zh-matching', 'test.tsv'), 'utf8')
      .split('\n')
      .slice(1)) {
      const cols = line.split('\t');
      if (cols.length >= 3) texts.push(cols[1], cols[2]);
    }
  }
  return { texts: texts.filter((t) => t.trim()).slice(0, n), source };
}

/** Padding share of batches of `batch` in the given order of lengths. */
function paddingShare(lengths: number[], batch: number): number {
  let real = 0;
  let padded = 0;
  for (let i = 0; i < lengths.length; i += batch) {
    const b = lengths.slice(i, i + batch);
    real += b.reduce((s, x) => s + x, 0);
    padded += Math.max(...b) * b.length;
  }
  return 1 - real / padded;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

/** Runs the benchmark; see the file comment. */
export async function runOnnxBench(options: OnnxBenchOptions = {}): Promise<OnnxBenchResult> {
  const log = options.log === false ? () => {} : (m: string) => console.log(m);
  const layers = options.layers ?? 12;
  const hidden = options.hidden ?? 768;
  const batch = options.batch ?? 32;
  const fixedBatches = options.fixedBatches ?? 5;
  const dir = mkdtempSync(join(tmpdir(), 'b4t-onnx-bench-'));
  try {
    // tfjs only builds, saves and reloads the model here; onnxruntime does all the timed work.
    await initBackend({ backend: 'cpu', quiet: true });
    const sharedVocab = join(SHARED, 'vocab', 'bert-chinese', 'vocab.txt');
    const vocabFile = existsSync(sharedVocab)
      ? sharedVocab
      : join(REPO, 'fixtures', 'tokenizers', 'bert_wordpiece', 'vocab.txt');
    const config = {
      model_type: 'bert',
      vocab_size: options.vocab ?? 21128,
      hidden_size: hidden,
      num_hidden_layers: layers,
      num_attention_heads: hidden / 64,
      intermediate_size: hidden * 4,
      hidden_act: 'gelu',
      max_position_embeddings: 512,
      type_vocab_size: 2,
      layer_norm_eps: 1e-12,
    };
    log(`building a random ${layers} x ${hidden} BERT (vocab ${config.vocab_size}) ...`);
    const built = buildTransformerModel({ config, withPool: true });
    const modelDir = join(dir, 'model');
    await saveModelDir(built, modelDir, { vocabFiles: [vocabFile] });
    built.model.dispose();
    const outDir = join(dir, 'exported');
    const exportSeconds = await time(() => exportOnnxDirectory(modelDir, outDir));
    const onnxPath = join(outDir, 'onnx', 'model.onnx');
    const onnxBytes = readFileSync(onnxPath).length;
    log(`exported ${(onnxBytes / 1e6).toFixed(0)} MB ONNX in ${exportSeconds.toFixed(1)} s`);

    const ort = loadOnnxRuntime();
    const session = await ort.InferenceSession.create(onnxPath, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
    });
    const tokenizer = loadTokenizerFromDir(modelDir);
    const req = createRequire(join(REPO, 'packages', 'cli', 'package.json'));
    const xenova = await import(pathToFileURL(req.resolve('@xenova/transformers')).href);
    xenova.env.allowRemoteModels = false;
    xenova.env.localModelPath = `${dir}/`;
    const extract = await xenova.pipeline('feature-extraction', basename(outDir), { quantized: false });
    const runXenova = async (texts: string[], size: number) => {
      const rows: Float32Array[] = [];
      for (let i = 0; i < texts.length; i += size) {
        const out = await extract(texts.slice(i, i + size), { pooling: 'mean', normalize: true });
        const d = out.dims[1];
        for (let k = 0; k < out.dims[0]; k++) rows.push(out.data.slice(k * d, (k + 1) * d));
      }
      return rows;
    };

    // Fixed shape: 8 texts of 126 single-character tokens -> exactly 128 with [CLS]/[SEP].
    const chars = [...Array(tokenizer.vocabSize).keys()]
      .map((i) => tokenizer.idToToken(i))
      .filter((t) => /^[\u4e00-\u9fff]$/.test(t));
    const pool = chars.length ? chars : ['a'];
    const fixedTexts = Array.from({ length: 8 }, (_, r) =>
      Array.from({ length: 126 }, (_, i) => pool[(r * 131 + i * 17) % pool.length]).join(''),
    );
    const ours8 = new OnnxEmbedder(ort, session, 512, tokenizer, { pooling: 'mean', normalize: true, batchSize: 8 });
    // Interleaved, one batch each per round, medians: the machine is shared and noisy.
    await ours8.embed(fixedTexts.map((text) => ({ text })));
    await runXenova(fixedTexts, 8);
    const oursTimes: number[] = [];
    const xTimes: number[] = [];
    for (let i = 0; i < fixedBatches; i++) {
      oursTimes.push(await time(() => ours8.embed(fixedTexts.map((text) => ({ text })))));
      xTimes.push(await time(() => runXenova(fixedTexts, 8)));
    }
    const tOurs = median(oursTimes);
    const tX = median(xTimes);
    const fixed = {
      ours: { seconds: tOurs, tokensPerSecond: 1024 / tOurs },
      xenova: { seconds: tX, tokensPerSecond: 1024 / tX },
      ratio: tX / tOurs,
    };
    log(
      `fixed 8 x 128 (median of ${fixedBatches} batches): ours ${fixed.ours.tokensPerSecond.toFixed(0)} tok/s, xenova ${fixed.xenova.tokensPerSecond.toFixed(0)} tok/s (ratio ${fixed.ratio.toFixed(2)})`,
    );

    // Variable length: real sentences in input order, batches of `batch`.
    const { texts, source } = loadSentences(options.sentences ?? 2000);
    const lengths = texts.map((t) => tokenizer.encode(t).inputIds.length);
    const realTokens = lengths.reduce((s, x) => s + x, 0);
    const inputs = texts.map((text) => ({ text }));
    const bucketed = new OnnxEmbedder(ort, session, 512, tokenizer, {
      pooling: 'mean',
      normalize: true,
      batchSize: batch,
    });
    const unbucketed = new OnnxEmbedder(ort, session, 512, tokenizer, {
      pooling: 'mean',
      normalize: true,
      batchSize: batch,
      bucket: false,
    });
    let a: Float32Array[] = [];
    let b: Float32Array[] = [];
    const tB = await time(async () => {
      a = await bucketed.embed(inputs);
    });
    log(`variable (${texts.length} sentences, ${realTokens} tokens): ours bucketed ${tB.toFixed(1)} s`);
    const tU = await time(() => unbucketed.embed(inputs));
    log(`  ours unbucketed ${tU.toFixed(1)} s`);
    const tXv = await time(async () => {
      b = await runXenova(texts, batch);
    });
    log(`  xenova ${tXv.toFixed(1)} s`);
    const diff = a.reduce((m, row, i) => Math.max(m, maxAbsDiff(row, b[i])), 0);
    const sorted = [...lengths].sort((x, y) => x - y);
    return {
      exportSeconds,
      onnxBytes,
      sentencesSource: source,
      fixed,
      variable: {
        sentences: texts.length,
        realTokens,
        ours: { seconds: tB, tokensPerSecond: realTokens / tB },
        oursUnbucketed: { seconds: tU, tokensPerSecond: realTokens / tU },
        xenova: { seconds: tXv, tokensPerSecond: realTokens / tXv },
        ratio: tXv / tB,
        paddingUnbucketed: paddingShare(lengths, batch),
        paddingBucketed: paddingShare(sorted, batch),
      },
      maxAbsDiff: diff,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) {
  const args = process.argv.slice(2);
  const num = (name: string): number | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : undefined;
  };
  const r = await runOnnxBench({
    layers: num('--layers'),
    sentences: num('--sentences'),
    batch: num('--batch'),
    fixedBatches: num('--fixed-batches'),
  });
  const v = r.variable;
  console.log(`onnx: export ${r.exportSeconds.toFixed(1)} s (${(r.onnxBytes / 1e6).toFixed(0)} MB)`);
  console.log(
    `  fixed 8x128: ours ${r.fixed.ours.tokensPerSecond.toFixed(0)} tok/s, xenova ${r.fixed.xenova.tokensPerSecond.toFixed(0)} tok/s -> ${r.fixed.ratio.toFixed(2)}x`,
  );
  console.log(
    `  variable (${v.sentences} ${r.sentencesSource}, ${v.realTokens} tokens): ours ${v.ours.tokensPerSecond.toFixed(0)} tok/s ` +
      `(unbucketed ${v.oursUnbucketed.tokensPerSecond.toFixed(0)}), xenova ${v.xenova.tokensPerSecond.toFixed(0)} tok/s -> ${v.ratio.toFixed(2)}x`,
  );
  console.log(
    `  padding: ${(v.paddingUnbucketed * 100).toFixed(0)}% in input order, ${(v.paddingBucketed * 100).toFixed(0)}% bucketed; max |ours - xenova| ${r.maxAbsDiff.toExponential(2)}`,
  );
}
