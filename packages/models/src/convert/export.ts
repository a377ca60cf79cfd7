/**
 * `saveCheckpoint`: writes a model (a model directory or a built model) as Hugging Face safetensors or
 * as an original-layout TensorFlow checkpoint. The TF export runs the family's name table backwards
 * (kernels transposed back to [in, out], per-layer rows stacked), so google-research/bert, ALBERT, Mesh
 * T5 or bert4keras (`build_transformer_model(config, checkpoint)`) can load it.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Bert4tfjsError,
  numElements,
  readSafetensors,
  writeDirAtomic,
  writeSafetensors,
  writeTfCheckpoint,
  type NamedTensors,
  type RawTensor,
} from '@bert4tfjs/core';
import type { TransformerModel } from '../family.ts';
import { readConfigFile, type RawConfig } from '../config.ts';
import { exportHfTensors } from '../model-dir.ts';
import { originalConfigFromHf } from './config.ts';
import { checkpointHookFor, parseConvertModel } from './name-tables.ts';
import { castFloat, stackRows, transpose2d } from './tensor-ops.ts';
import type { ConvertModel, NameRule } from './types.ts';
import { copyVocabFiles, findVocabFiles, type VocabFile } from './vocab.ts';

/** The formats `export` writes. */
export const EXPORT_TARGETS = ['safetensors', 'tf-checkpoint'] as const;

/** One of {@link EXPORT_TARGETS}. */
export type ExportTarget = (typeof EXPORT_TARGETS)[number];

/** Checks a `--to` value; anything else is an error listing the valid ones. */
export function parseExportTarget(value: string): ExportTarget {
  if (!(EXPORT_TARGETS as readonly string[]).includes(value)) {
    throw new Bert4tfjsError(`--to: unknown format '${value}' (valid: ${EXPORT_TARGETS.join(', ')})`, 'bad-argument');
  }
  return value as ExportTarget;
}

/** Options of {@link saveCheckpoint}. */
export interface SaveCheckpointOptions {
  to: ExportTarget | string;
  /** A directory (or, for safetensors, a `.safetensors` file). Must not exist unless `force`. */
  out: string;
  force?: boolean;
  /** Float dtype of a safetensors export (TF exports are always float32, as the TF code expects). */
  dtype?: 'F32' | 'F16' | 'BF16';
}

/** What an export wrote. */
export interface SaveCheckpointReport {
  to: ExportTarget;
  out: string;
  tensors: number;
  parameters: number;
  /** Hugging Face tensors with no TF counterpart, left out of a TF export (e.g. `position_ids` buffers). */
  skipped: string[];
  /** Files in the output directory (empty for a single .safetensors file). */
  files: string[];
}

/** The model's HF tensors, config and vocabulary, from a directory or a built model. */
function gather(source: string | TransformerModel, dtype: SaveCheckpointOptions['dtype']) {
  if (typeof source === 'string') {
    const weights = join(source, 'model.safetensors');
    if (!existsSync(join(source, 'config.json')) || !existsSync(weights)) {
      throw new Bert4tfjsError(
        `${source}: not a model directory (needs config.json and model.safetensors)`,
        'missing-file',
      );
    }
    const config = readConfigFile(join(source, 'config.json'));
    let tensors = readSafetensors(weights);
    if (dtype) tensors = new Map([...tensors].map(([n, t]) => [n, castFloat(t, dtype, n)]));
    return { config, tensors, vocab: findVocabFiles(source), what: source };
  }
  return {
    config: { ...source.rawConfig },
    tensors: exportHfTensors(source, dtype),
    vocab: [] as VocabFile[],
    what: `${source.family} model`,
  };
}

/** Finds a rule's HF tensor, with or without the family's task-model prefix (`bert.`, `albert.`, `transformer.`). */
function lookup(tensors: NamedTensors, rule: NameRule, hfPrefix: string | undefined): string | null {
  if (tensors.has(rule.hf)) return rule.hf;
  const p = hfPrefix ? `${hfPrefix}.` : null;
  return p && rule.hf.startsWith(p) && tensors.has(rule.hf.slice(p.length)) ? rule.hf.slice(p.length) : null;
}

/** Renames HF tensors to TF variables with the family table run backwards. */
export function hfToTfTensors(
  model: ConvertModel,
  config: RawConfig,
  tensors: NamedTensors,
): { tf: Map<string, RawTensor>; skipped: string[] } {
  const tf = new Map<string, RawTensor>();
  const used = new Set<string>();
  const rows = new Map<string, RawTensor[]>();
  const hook = checkpointHookFor(model);
  for (const rule of hook.nameRules(config, model)) {
    const name = lookup(tensors, rule, hook.hfPrefix);
    if (!name) continue;
    used.add(name);
    let t = castFloat(tensors.get(name) as RawTensor, 'F32', name);
    if (rule.transpose) t = transpose2d(t, name);
    if (rule.squeeze) t = { ...t, shape: [1, ...t.shape] };
    if (rule.row) {
      const list = rows.get(rule.tf) ?? new Array<RawTensor>(rule.row.count);
      list[rule.row.index] = t;
      rows.set(rule.tf, list);
    } else {
      tf.set(rule.tf, t);
    }
  }
  for (const [name, list] of rows) {
    const missing = [...list.keys()].filter((i) => !list[i]);
    if (missing.length)
      throw new Bert4tfjsError(
        `cannot stack TF variable ${name}: layers ${missing.join(', ')} have no tensor`,
        'bad-checkpoint',
      );
    tf.set(name, stackRows(list, name));
  }
  return { tf, skipped: [...tensors.keys()].filter((n) => !used.has(n)) };
}

/**
 * Writes a model directory or a built model as `safetensors` (Hugging Face names and layouts: a model
 * directory `from_pretrained` loads, or one `.safetensors` file) or as a `tf-checkpoint` directory
 * (original names, config and vocabulary). Output is written atomically.
 */
export async function saveCheckpoint(
  source: string | TransformerModel,
  options: SaveCheckpointOptions,
): Promise<SaveCheckpointReport> {
  const to = parseExportTarget(options.to);
  if (!options.out) throw new Bert4tfjsError('export: --out is required', 'bad-argument');
  if (existsSync(options.out) && !options.force) {
    throw new Bert4tfjsError(`output ${options.out} already exists (use --force to replace it)`, 'exists');
  }
  const { config, tensors, vocab } = gather(source, to === 'safetensors' ? options.dtype : undefined);
  const count = (m: Map<string, { shape: number[] }>): number =>
    [...m.values()].reduce((s, t) => s + numElements(t.shape), 0);
  if (to === 'safetensors') {
    if (options.out.endsWith('.safetensors')) {
      writeSafetensors(options.out, tensors, { format: 'pt' });
      return { to, out: options.out, tensors: tensors.size, parameters: count(tensors), skipped: [], files: [] };
    }
    await writeDirAtomic(
      options.out,
      (tmp) => {
        writeFileSync(join(tmp, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
        writeSafetensors(join(tmp, 'model.safetensors'), tensors, { format: 'pt' });
        copyVocabFiles(vocab, tmp);
      },
      { force: options.force },
    );
    return {
      to,
      out: options.out,
      tensors: tensors.size,
      parameters: count(tensors),
      skipped: [],
      files: ['config.json', 'model.safetensors', ...vocab.map((v) => v.as)],
    };
  }
  const type = typeof config.model_type === 'string' ? config.model_type : '';
  const model = parseConvertModel(type, 'config.json model_type');
  const { tf, skipped } = hfToTfTensors(model, config, tensors);
  if (tf.size === 0)
    throw new Bert4tfjsError(
      `export: no tensor of this ${model} model matches the ${model} name table (are the names Hugging Face's?)`,
      'bad-checkpoint',
    );
  const files = checkpointHookFor(model).files;
  const names = { prefix: files.checkpoint, config: files.config };
  await writeDirAtomic(
    options.out,
    (tmp) => {
      writeTfCheckpoint(join(tmp, names.prefix), tf);
      // The state file lets tf.train.latest_checkpoint(dir) find the checkpoint.
      writeFileSync(
        join(tmp, 'checkpoint'),
        `model_checkpoint_path: "${names.prefix}"\nall_model_checkpoint_paths: "${names.prefix}"\n`,
      );
      writeFileSync(join(tmp, names.config), `${JSON.stringify(originalConfigFromHf(model, config), null, 2)}\n`);
      copyVocabFiles(vocab, tmp);
    },
    { force: options.force },
  );
  return {
    to,
    out: options.out,
    tensors: tf.size,
    parameters: count(tf),
    skipped,
    files: [
      `${names.prefix}.index`,
      `${names.prefix}.data-00000-of-00001`,
      'checkpoint',
      names.config,
      ...vocab.map((v) => v.as),
    ],
  };
}
