/**
 * `bert4tfjs embed`: one vector per input line, in input order, as JSONL or .npy. Inputs are a text
 * file (one text per line) or JSONL ({"text"}, {"text","text_pair"} or {"input_ids","token_type_ids"?}).
 * `--engine onnx` runs the model exported to ONNX in onnxruntime-node (cached at <model>/onnx/model.onnx),
 * `tfjs` the tfjs model; `auto` (default) takes onnx when onnxruntime-node loads and the family exports.
 */
import { Bert4tfjsError } from '@bert4tfjs/core';
import { onnxSpecFor } from '@bert4tfjs/models';
import type { Command } from 'commander';
import { looksLikeJsonl, parseJsonl, readInputFile, splitLines } from '../io/jsonl.ts';
import { encodeNpyFloat32 } from '../io/npy.ts';
import { prepareOutput, streamOutputFile, writeOutputFile } from '../io/output-policy.ts';
import {
  Embedder,
  type EmbedInput,
  type EmbedPooling,
  type EmbedderOptions,
  type ProgressFn,
} from '../pipeline/embedder.ts';
import { loadOnnxRuntime, OnnxEmbedder, openOnnxSession } from '../pipeline/onnx-embedder.ts';
import { openModel, readEmbeddingDefaults, resolvePooling } from '../pipeline/load.ts';
import {
  parseIntOption,
  progressBar,
  startBackend,
  warnUnused,
  withGlobalOptions,
  type GlobalOptions,
} from './common.ts';

/** Reads embed inputs from a text or JSONL file; errors name the file and line. */
export function readEmbedInputs(path: string): EmbedInput[] {
  const text = readInputFile(path);
  if (!looksLikeJsonl(path, text)) return splitLines(text).map((t) => ({ text: t }));
  return parseJsonl(text, path).map(({ line, value }) => {
    if (Array.isArray(value.input_ids)) {
      const ids = value.input_ids as unknown[];
      if (!ids.every((x) => Number.isInteger(x)))
        throw new Bert4tfjsError(`${path}:${line}: "input_ids" must be a list of integers`, 'bad-input');
      const types = value.token_type_ids as unknown[] | undefined;
      if (types !== undefined && (!Array.isArray(types) || !types.every((x) => Number.isInteger(x)))) {
        throw new Bert4tfjsError(`${path}:${line}: "token_type_ids" must be a list of integers`, 'bad-input');
      }
      return { inputIds: ids as number[], tokenTypeIds: types as number[] | undefined };
    }
    if (typeof value.text !== 'string')
      throw new Bert4tfjsError(`${path}:${line}: expected "text" (string) or "input_ids" (list)`, 'bad-input');
    if (value.text_pair !== undefined && typeof value.text_pair !== 'string')
      throw new Bert4tfjsError(`${path}:${line}: "text_pair" must be a string`, 'bad-input');
    return { text: value.text, textPair: value.text_pair as string | undefined };
  });
}

interface EmbedOptions extends GlobalOptions {
  model: string;
  input: string;
  output: string;
  pooling?: string;
  normalize?: boolean;
  batchSize: string;
  maxLength?: string;
  format: string;
  bucket: boolean;
  engine: string;
  onnxCache: boolean;
  force?: boolean;
  allowUnused?: boolean;
}

/** The embedding engines `--engine` accepts. */
export const EMBED_ENGINES = ['auto', 'onnx', 'tfjs'] as const;

/** Runs `inputs` through the engine `opts.engine` picks; reports which one ran on stderr. */
async function embedWithEngine(
  opts: EmbedOptions,
  dir: string,
  opened: ReturnType<typeof openModel>,
  embedOptions: EmbedderOptions,
  inputs: EmbedInput[],
  onProgress: ProgressFn,
): Promise<{ vectors: Float32Array[]; truncated: number; maxLength: number }> {
  const { built, tokenizer, maxPositions } = opened;
  const say = (msg: string) => {
    if (!opts.quiet) process.stderr.write(`${msg}\n`);
  };
  if (opts.engine !== 'tfjs') {
    let ort = null;
    let why = '';
    try {
      ort = loadOnnxRuntime();
      onnxSpecFor(built); // throws when this model has no exact ONNX graph
    } catch (err) {
      if (opts.engine === 'onnx') throw err;
      why = (err as Error).message;
      ort = null;
    }
    if (ort) {
      const threads = opts.threads === undefined ? undefined : parseIntOption(opts.threads, '--threads', 1);
      const info = await openOnnxSession(ort, dir, built, { cache: opts.onnxCache, threads });
      say(
        `engine: onnx (onnxruntime-node; ${info.source === 'memory' ? `exported in memory: ${info.note}` : `${info.source === 'cache' ? 'cached' : 'exported to'} ${info.path}`})`,
      );
      const embedder = new OnnxEmbedder(ort, info.session, maxPositions, tokenizer, embedOptions);
      const vectors = await embedder.embed(inputs, onProgress);
      return { vectors, truncated: embedder.truncated, maxLength: embedder.maxLength };
    }
    say(`engine: tfjs (onnx unavailable: ${why})`);
  }
  const embedder = new Embedder(built, tokenizer, embedOptions);
  const vectors = embedder.embed(inputs, onProgress);
  return { vectors, truncated: embedder.truncated, maxLength: embedder.maxLength };
}

/** Registers `embed`. */
export function registerEmbed(program: Command): void {
  withGlobalOptions(program.command('embed').description('embed texts with a model directory'))
    .requiredOption('--model <dir>', 'model directory')
    .requiredOption('--input <file>', 'text file (one per line) or JSONL')
    .requiredOption('--output <file>', 'output file')
    .option(
      '--pooling <mode>',
      "cls | mean | max | pooler | first-last-avg | none (default: the model directory's bert4tfjs.json, else the family's: mean)",
    )
    .option('--normalize', 'L2-normalise each vector (default: as bert4tfjs.json says)')
    .option('--batch-size <n>', 'texts per batch', '32')
    .option('--max-length <n>', 'truncate to this many tokens (default: the model maximum)')
    .option('--format <fmt>', 'jsonl | npy', 'jsonl')
    .option('--no-bucket', 'keep input order inside batches (no length bucketing)')
    .option('--engine <name>', 'auto | onnx | tfjs (auto: onnxruntime-node when it loads)', 'auto')
    .option('--no-onnx-cache', 'onnx engine: export in memory instead of caching <model>/onnx/model.onnx')
    .option('--force', 'replace an existing output')
    .option('--allow-unused', 'load a checkpoint holding tensors the model does not use (listed as a warning)')
    .action(async (opts: EmbedOptions) => {
      prepareOutput(opts.output, { flag: '--output', force: opts.force, inputs: [opts.input, opts.model] });
      await startBackend(opts);
      if (!(EMBED_ENGINES as readonly string[]).includes(opts.engine))
        throw new Bert4tfjsError(
          `--engine must be one of ${EMBED_ENGINES.join(', ')}, got '${opts.engine}'`,
          'bad-argument',
        );
      if (!['jsonl', 'npy'].includes(opts.format))
        throw new Bert4tfjsError(`--format must be jsonl or npy, got '${opts.format}'`, 'bad-argument');
      const batchSize = parseIntOption(opts.batchSize, '--batch-size', 1);
      const maxLength = opts.maxLength === undefined ? undefined : parseIntOption(opts.maxLength, '--max-length', 2);
      const inputs = readEmbedInputs(opts.input);
      const opened = openModel(opts.model, opts.allowUnused ? { allowUnused: true } : {});
      warnUnused(opened.built.loadReport?.unusedNonHead);
      // A sentence-embedding model (e.g. from train-matching) says how it was trained to be pooled.
      const defaults = readEmbeddingDefaults(opts.model);
      opts.pooling = resolvePooling(opts.pooling, opts.model, opened.built);
      const embedOptions: EmbedderOptions = {
        pooling: opts.pooling as EmbedPooling,
        normalize: opts.normalize ?? defaults.normalize ?? false,
        batchSize,
        maxLength: maxLength ?? defaults.maxLength,
        bucket: opts.bucket,
      };
      const bar = progressBar(inputs.length, 'embed', opts.quiet);
      const t0 = performance.now();
      let tokens = 0;
      const {
        vectors,
        truncated,
        maxLength: usedMax,
      } = await embedWithEngine(opts, opts.model, opened, embedOptions, inputs, (done, batchTokens) => {
        tokens += batchTokens;
        const secs = (performance.now() - t0) / 1000;
        bar.update(done, { rate: `${Math.round(done / secs)} texts/s, ${Math.round(tokens / secs)} tokens/s` });
      }).finally(() => opened.built.model.dispose());
      bar.stop();
      if (truncated && !opts.quiet)
        process.stderr.write(`note: ${truncated} input(s) truncated to ${usedMax} tokens\n`);
      if (opts.format === 'npy') {
        if (opts.pooling === 'none')
          throw new Bert4tfjsError(
            '--format npy needs one vector per input; use --pooling other than none',
            'bad-argument',
          );
        const dim = vectors[0].length;
        const flat = new Float32Array(vectors.length * dim);
        vectors.forEach((v, i) => flat.set(v, i * dim));
        writeOutputFile(opts.output, encodeNpyFloat32(flat, [vectors.length, dim]));
      } else {
        await streamOutputFile(opts.output, (write) => {
          for (const v of vectors) write(`${JSON.stringify({ embedding: Array.from(v) })}\n`);
        });
      }
      if (!opts.quiet) {
        const secs = (performance.now() - t0) / 1000;
        process.stderr.write(`embedded ${vectors.length} input(s) in ${secs.toFixed(1)} s -> ${opts.output}\n`);
      }
    });
}
