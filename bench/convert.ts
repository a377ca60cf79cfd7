/**
 * Conversion throughput and memory: writes a synthetic BERT-base-shaped TF checkpoint (google-research
 * names, random weights, ~410 MB at vocab 21128), converts it to a Hugging Face model directory in a
 * child process, and reports MB/s and the child's peak RSS against the checkpoint size (the converter
 * streams tensor by tensor, so the target is under 2x).
 *
 *   node packages/cli/bin/run-ts.js bench/convert.ts [--layers 12] [--vocab 21128] [--verify shapes|load]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeTfCheckpoint, type RawTensor } from '@bert4tfjs/core';
import { bertNameRules, convertCheckpoint } from '@bert4tfjs/models';

/** Options of {@link runConvertBench}. */
export interface ConvertBenchOptions {
  layers?: number;
  hidden?: number;
  vocab?: number;
  /** Validation mode of the conversion (default 'auto', which is 'shapes' at this size). */
  verify?: 'auto' | 'load' | 'shapes';
  /** Print progress lines (default true). */
  log?: boolean;
}

/** What {@link runConvertBench} measured. */
export interface ConvertBenchResult {
  checkpointBytes: number;
  outputBytes: number;
  tensors: number;
  /** Wall time of convertCheckpoint in the child (listing, validation, streaming, rename). */
  convertSeconds: number;
  mbPerSecond: number;
  /** Seconds building the model to validate the plan (tfjs random initialisation dominates). */
  validateSeconds: number;
  /** Seconds streaming tensors into model.safetensors (read, CRC, transpose, write, fsync). */
  writeSeconds: number;
  /** Checkpoint MB / writeSeconds: the streaming rate without validation. */
  writeMbPerSecond: number;
  /** Child RSS after imports, before converting. */
  baselineRssBytes: number;
  peakRssBytes: number;
  /** Peak RSS / checkpoint size. */
  rssRatio: number;
  /** (Peak - baseline) / checkpoint size: what the conversion itself added. */
  addedRssRatio: number;
  verified: string;
}

/** The HF shape of a BERT tensor name for the given sizes. */
function hfShape(name: string, h: number, v: number): number[] {
  const f = 4 * h;
  if (name.endsWith('word_embeddings.weight')) return [v, h];
  if (name.endsWith('token_type_embeddings.weight')) return [2, h];
  if (name.endsWith('position_embeddings.weight')) return [512, h];
  if (name === 'cls.predictions.bias') return [v];
  if (name.startsWith('cls.seq_relationship')) return name.endsWith('weight') ? [2, h] : [2];
  if (name.includes('intermediate.dense')) return name.endsWith('weight') ? [f, h] : [f];
  if (/layer\.\d+\.output\.dense\.weight$/.test(name)) return [h, f];
  if (name.includes('LayerNorm') || name.endsWith('bias')) return [h];
  return [h, h];
}

/** Writes the synthetic checkpoint (random normal-ish weights) and returns its prefix and size. */
function writeSyntheticCheckpoint(
  dir: string,
  layers: number,
  h: number,
  v: number,
): { prefix: string; bytes: number } {
  const config = {
    vocab_size: v,
    hidden_size: h,
    num_hidden_layers: layers,
    num_attention_heads: h / 64,
    intermediate_size: 4 * h,
    hidden_act: 'gelu',
    max_position_embeddings: 512,
    type_vocab_size: 2,
    initializer_range: 0.02,
  };
  writeFileSync(join(dir, 'bert_config.json'), JSON.stringify(config, null, 2));
  const tensors = new Map<string, RawTensor>();
  for (const rule of bertNameRules(config)) {
    const shape = hfShape(rule.hf, h, v);
    const tfShape = rule.transpose ? [shape[1], shape[0]] : shape;
    const values = new Float32Array(tfShape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < values.length; i++) values[i] = (Math.random() - 0.5) * 0.04;
    tensors.set(rule.tf, { dtype: 'F32', shape: tfShape, data: new Uint8Array(values.buffer) });
  }
  const prefix = writeTfCheckpoint(join(dir, 'bert_model.ckpt'), tensors);
  return { prefix, bytes: statSync(`${prefix}.data-00000-of-00001`).size + statSync(`${prefix}.index`).size };
}

/** Child side: converts and prints one JSON line of measurements. */
async function child(from: string, out: string, verify: 'auto' | 'load' | 'shapes'): Promise<void> {
  const baseline = process.memoryUsage().rss;
  const t0 = performance.now();
  const report = await convertCheckpoint({ from, out, verify });
  const seconds = (performance.now() - t0) / 1000;
  const peak = process.resourceUsage().maxRSS * 1024;
  const { validateSeconds, writeSeconds } = report.timings;
  process.stdout.write(
    `${JSON.stringify({ seconds, peak, baseline, bytes: report.bytes, tensors: report.tensors, verified: report.verified, validateSeconds, writeSeconds })}\n`,
  );
}

/** Runs the benchmark: synthetic checkpoint, conversion in a child process, figures. */
export async function runConvertBench(options: ConvertBenchOptions = {}): Promise<ConvertBenchResult> {
  const { layers = 12, hidden = 768, vocab = 21128, verify = 'auto', log = true } = options;
  const dir = mkdtempSync(join(tmpdir(), 'b4t-bench-convert-'));
  try {
    if (log) console.error(`writing a ${layers}-layer H${hidden} V${vocab} BERT TF checkpoint to ${dir} ...`);
    const ckpt = writeSyntheticCheckpoint(dir, layers, hidden, vocab);
    if (log) console.error(`checkpoint: ${(ckpt.bytes / 1e6).toFixed(1)} MB; converting in a child process ...`);
    const runner = resolve(fileURLToPath(import.meta.url), '..', '..', 'packages', 'cli', 'bin', 'run-ts.js');
    const res = spawnSync(
      process.execPath,
      [runner, fileURLToPath(import.meta.url), '--child', ckpt.prefix, join(dir, 'out'), verify],
      { encoding: 'utf8' },
    );
    if (res.status !== 0) throw new Error(`conversion child failed (${res.status}): ${res.stderr}`);
    const m = JSON.parse(res.stdout.trim().split('\n').pop() as string) as {
      seconds: number;
      peak: number;
      baseline: number;
      bytes: number;
      tensors: number;
      verified: string;
      validateSeconds: number;
      writeSeconds: number;
    };
    return {
      checkpointBytes: ckpt.bytes,
      outputBytes: m.bytes,
      tensors: m.tensors,
      convertSeconds: m.seconds,
      mbPerSecond: ckpt.bytes / 1e6 / m.seconds,
      validateSeconds: m.validateSeconds,
      writeSeconds: m.writeSeconds,
      writeMbPerSecond: ckpt.bytes / 1e6 / m.writeSeconds,
      baselineRssBytes: m.baseline,
      peakRssBytes: m.peak,
      rssRatio: m.peak / ckpt.bytes,
      addedRssRatio: (m.peak - m.baseline) / ckpt.bytes,
      verified: m.verified,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    await child(args[1], args[2], args[3] as 'auto' | 'load' | 'shapes');
  } else {
    const flag = (name: string): string | undefined => {
      const i = args.indexOf(name);
      return i >= 0 ? args[i + 1] : undefined;
    };
    const num = (name: string): number | undefined => (flag(name) === undefined ? undefined : Number(flag(name)));
    const r = await runConvertBench({
      layers: num('--layers'),
      vocab: num('--vocab'),
      hidden: num('--hidden'),
      verify: flag('--verify') as ConvertBenchOptions['verify'],
    });
    const mb = (b: number): string => `${(b / 1e6).toFixed(0)} MB`;
    console.log(
      `convert: ${mb(r.checkpointBytes)} TF checkpoint -> ${mb(r.outputBytes)} safetensors (${r.tensors} tensors, verify ${r.verified})`,
    );
    console.log(
      `  ${r.convertSeconds.toFixed(2)} s in all, ${r.mbPerSecond.toFixed(0)} MB/s; validation build ${r.validateSeconds.toFixed(2)} s; streaming ${r.writeSeconds.toFixed(2)} s = ${r.writeMbPerSecond.toFixed(0)} MB/s`,
    );
    console.log(
      `  peak RSS ${mb(r.peakRssBytes)} = ${r.rssRatio.toFixed(2)}x checkpoint (baseline ${mb(r.baselineRssBytes)}; conversion added ${r.addedRssRatio.toFixed(2)}x)`,
    );
  }
}
