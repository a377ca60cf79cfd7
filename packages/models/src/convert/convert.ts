/**
 * `convertCheckpoint`: any supported checkpoint -> a Hugging Face-layout model directory (config.json,
 * model.safetensors with HF names, vocabulary files). The plan is made from the listing and validated
 * against the family before anything is written; tensors then stream one at a time into a directory
 * that appears only when complete (writeDirAtomic), so a failed run leaves nothing behind.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Bert4tfjsError, DTYPE_BYTES, numElements, writeDirAtomic } from '@bert4tfjs/core';
import { buildTransformerModel } from '../build.ts';
import { readConfigFile, type RawConfig } from '../config.ts';
import { FAMILIES } from '../registry.ts';
import { normaliseHfConfig } from './config.ts';
import { checkpointHookFor, guessModel, nameRulesFor, parseConvertModel } from './name-tables.ts';
import { planFromHf, planFromTf, tensorProducer, type ConversionPlan } from './plan.ts';
import { writeSafetensorsStream } from './safetensors-stream.ts';
import { openTensorSource, type SourceFormat, type TensorSource } from './sources.ts';
import type { ConvertModel, TensorInfo } from './types.ts';
import { validatePlan } from './validate.ts';
import { copyVocabFiles, findVocabFiles } from './vocab.ts';

/** Options of {@link convertCheckpoint}. */
export interface ConvertOptions {
  /** TF checkpoint (prefix, .index, shard or directory), model.safetensors, pytorch_model.bin, or a directory. */
  from: string;
  /** Output model directory; must not exist unless `force`. */
  out: string;
  /** bert_config.json / albert_config.json / config.json; default: looked for beside the checkpoint. */
  config?: string;
  /** One of the registry's CONVERT_MODELS (bert, albert, t5, mt5, transfo-xl, ...); default: guessed from names. */
  model?: string;
  /** Float dtype of the output (default: as stored). */
  dtype?: 'float32' | 'float16';
  /** Replace an existing output directory (only once the new one is complete). */
  force?: boolean;
  /** Vocabulary files to copy instead of the ones found beside the checkpoint. */
  vocab?: string[];
  /**
   * 'load': load the written weights into the built model before the directory is renamed into place;
   * 'shapes': check names and shapes only (constant memory); 'auto' (default): 'load' up to 256 MiB.
   */
  verify?: 'auto' | 'load' | 'shapes';
  /** Called after each tensor is written. */
  onProgress?: (done: number, total: number) => void;
}

/** What a conversion did. */
export interface ConvertReport {
  from: string;
  format: SourceFormat;
  model: ConvertModel;
  out: string;
  tensors: number;
  parameters: number;
  /** Bytes of model.safetensors. */
  bytes: number;
  /** Source variables no mapping covers (not written). */
  unmapped: string[];
  /** Optimizer slots and counters skipped. */
  optimizerSlots: string[];
  /** Written tensors the model does not use (e.g. Hugging Face buffers). */
  unused: string[];
  /** Tensors made up because TF leaves them implicit (identity projections). */
  synthesized: string[];
  vocabFiles: string[];
  verified: 'load' | 'shapes';
  seconds: number;
  /** Where the time went: building the model to validate the plan, streaming the tensors, the load check. */
  timings: { validateSeconds: number; writeSeconds: number; loadSeconds: number };
}

/** Config files looked for beside a checkpoint: Hugging Face's, then each family's original release's. */
const CONFIG_NAMES = [
  ...new Set([
    'config.json',
    ...FAMILIES.flatMap((f) =>
      f.checkpoint ? [f.checkpoint.files.config, ...(f.checkpoint.files.otherConfigs ?? [])] : [],
    ),
  ]),
];
const LOAD_LIMIT = 256 * 1024 * 1024;

function findConfig(src: TensorSource, explicit?: string): { raw: RawConfig; path: string } | null {
  if (explicit) return { raw: readConfigFile(explicit), path: explicit };
  // An HF directory's config.json first; TF releases name theirs after the model.
  const order = src.format === 'tf-checkpoint' ? [...CONFIG_NAMES.slice(1), 'config.json'] : CONFIG_NAMES;
  for (const name of order) {
    const p = join(src.dir, name);
    if (existsSync(p)) return { raw: readConfigFile(p), path: p };
  }
  return null;
}

/** The HF config of the output, from the source's config (and, for an original checkpoint, its listing). */
function outputConfig(
  model: ConvertModel,
  src: TensorSource,
  found: { raw: RawConfig; path: string } | null,
  listing: TensorInfo[],
): RawConfig {
  const original = src.format === 'tf-checkpoint';
  const raw = original
    ? checkpointHookFor(model).configFromOriginal(found?.raw ?? null, listing)
    : (found?.raw ?? null);
  if (!raw) {
    const want = original ? checkpointHookFor(model).files.config : 'config.json';
    throw new Bert4tfjsError(
      `${src.path}: no config found beside the checkpoint (looked for ${CONFIG_NAMES.join(', ')} in ${src.dir}); pass --config ${want}`,
      'missing-file',
    );
  }
  const normalised = normaliseHfConfig(model, raw, found?.path ?? src.path);
  if (original) return normalised;
  // An HF config keeps its other keys (task labels, tokenizer class, ...).
  const { architectures: _a, ...rest } = raw;
  return { ...rest, ...normalised };
}

function planBytes(plan: ConversionPlan): number {
  return plan.tensors.reduce((s, t) => s + numElements(t.shape) * DTYPE_BYTES[t.dtype], 0);
}

/** Converts a checkpoint into a Hugging Face-layout model directory. */
export async function convertCheckpoint(options: ConvertOptions): Promise<ConvertReport> {
  const started = Date.now();
  if (!options.out) throw new Bert4tfjsError('convert: --out is required', 'bad-argument');
  if (existsSync(options.out) && !options.force) {
    throw new Bert4tfjsError(`output directory ${options.out} already exists (use --force to replace it)`, 'exists');
  }
  if (options.dtype && options.dtype !== 'float32' && options.dtype !== 'float16') {
    throw new Bert4tfjsError(`--dtype: expected float32 or float16, got '${options.dtype}'`, 'bad-argument');
  }
  const requested = options.model ? parseConvertModel(options.model) : null;
  const src = openTensorSource(options.from);
  try {
    const listing = src.list();
    const found = findConfig(src, options.config);
    const model = requested ?? guessModel(listing, found?.raw ?? null);
    if (!model)
      throw new Bert4tfjsError(
        `${src.path}: cannot tell which model this checkpoint is; pass --model (bert, albert, t5, mt5, transfo-xl, ...)`,
        'bad-argument',
      );
    const config = outputConfig(model, src, found, listing);
    const dtype = options.dtype === 'float16' ? 'F16' : options.dtype === 'float32' ? 'F32' : undefined;
    const plan =
      src.format === 'tf-checkpoint'
        ? planFromTf(nameRulesFor(model, config), listing, dtype)
        : planFromHf(listing, dtype);
    const t0 = performance.now();
    const validation = validatePlan(model, config, plan, src.path);
    const validateSeconds = (performance.now() - t0) / 1000;
    let writeSeconds = 0;
    let loadSeconds = 0;
    const bytes = planBytes(plan);
    const verified =
      options.verify === 'load' || (options.verify !== 'shapes' && bytes <= LOAD_LIMIT) ? 'load' : 'shapes';
    const vocab = findVocabFiles(src.dir, options.vocab);
    const produce = tensorProducer((n) => src.read(n));
    const byName = new Map(plan.tensors.map((t) => [t.name, t]));
    let written = 0;
    await writeDirAtomic(
      options.out,
      (tmp) => {
        const t1 = performance.now();
        writeFileSync(join(tmp, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
        const file = join(tmp, 'model.safetensors');
        written = writeSafetensorsStream(file, plan.tensors, (e) => produce(byName.get(e.name)!), {
          metadata: { format: 'pt' },
          onTensor: options.onProgress,
        });
        copyVocabFiles(vocab, tmp);
        const t2 = performance.now();
        writeSeconds = (t2 - t1) / 1000;
        if (verified === 'load') {
          const built = buildTransformerModel({
            ...validation.heads,
            config,
            model,
            checkpointPath: file,
            allowUnused: true,
          }); // unused tensors are listed in the report
          try {
            built.model.dispose();
          } catch {
            /* shared layers already released */
          }
          loadSeconds = (performance.now() - t2) / 1000;
        }
      },
      { force: options.force },
    );
    return {
      from: src.path,
      format: src.format,
      model,
      out: options.out,
      tensors: plan.tensors.length,
      parameters: plan.tensors.reduce((s, t) => s + numElements(t.shape), 0),
      bytes: written,
      unmapped: plan.unmapped,
      optimizerSlots: plan.optimizerSlots,
      unused: validation.unused,
      synthesized: plan.tensors.filter((t) => t.source.kind === 'identity').map((t) => t.name),
      vocabFiles: vocab.map((v) => v.as),
      verified,
      seconds: (Date.now() - started) / 1000,
      timings: { validateSeconds, writeSeconds, loadSeconds },
    };
  } finally {
    src.close();
  }
}
