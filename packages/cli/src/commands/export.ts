/**
 * `bert4tfjs export`: a model directory -> Hugging Face safetensors (directory or one file), an
 * original-layout TF checkpoint directory that google-research/bert and bert4keras load, or an ONNX
 * directory that @xenova/transformers and onnxruntime load.
 */
import { Bert4tfjsError } from '@bert4tfjs/core';
import { EXPORT_TARGETS, describeExport, parseExportTarget, saveCheckpoint } from '@bert4tfjs/models';
import type { Command } from 'commander';
import { prepareOutput } from '../io/output-policy.ts';
import { withGlobalOptions, type GlobalOptions } from './common.ts';
import { exportOnnxDirectory } from './export-onnx.ts';

/** Everything `--to` accepts: the checkpoint formats plus ONNX. */
export const CLI_EXPORT_TARGETS = [...EXPORT_TARGETS, 'onnx'] as const;

/** Options of `export` as commander parses them. */
export interface ExportCliOptions extends GlobalOptions {
  model: string;
  to: string;
  out: string;
  dtype?: string;
  force?: boolean;
}

/** Runs `export` with parsed options; returns the printed summary. */
export async function runExport(opts: ExportCliOptions): Promise<string> {
  prepareOutput(opts.out, { flag: '--out', force: opts.force, inputs: [opts.model] });
  if (opts.to === 'onnx') {
    if (opts.dtype !== undefined && opts.dtype !== 'float32')
      throw new Bert4tfjsError('--dtype applies to safetensors only (ONNX is written as float32)', 'bad-argument');
    const result = await exportOnnxDirectory(opts.model, opts.out, { force: opts.force });
    return [
      `exported ${opts.model} to ONNX at ${opts.out} (${result.parameters} parameters; outputs ${result.outputs.join(', ')})`,
      ...result.notes,
    ].join('\n');
  }
  if (!(CLI_EXPORT_TARGETS as readonly string[]).includes(opts.to)) {
    throw new Bert4tfjsError(
      `--to: unknown format '${opts.to}' (valid: ${CLI_EXPORT_TARGETS.join(', ')})`,
      'bad-argument',
    );
  }
  const to = parseExportTarget(opts.to);
  if (opts.dtype !== undefined && opts.dtype !== 'float32' && opts.dtype !== 'float16') {
    throw new Bert4tfjsError(`--dtype: expected float32 or float16, got '${opts.dtype}'`, 'bad-argument');
  }
  if (opts.dtype === 'float16' && to === 'tf-checkpoint') {
    throw new Bert4tfjsError(
      '--dtype float16 applies to safetensors only (TF checkpoints are written as float32)',
      'bad-argument',
    );
  }
  const report = await saveCheckpoint(opts.model, {
    to,
    out: opts.out,
    force: opts.force,
    dtype: opts.dtype === 'float16' ? 'F16' : undefined,
  });
  return describeExport(report);
}

/** Registers `export`. */
export function registerExport(program: Command): void {
  withGlobalOptions(
    program
      .command('export')
      .description('write a model directory as safetensors, an original TF checkpoint, or ONNX for transformers.js'),
  )
    .requiredOption('--model <dir>', 'model directory (config.json + model.safetensors)')
    .requiredOption('--to <format>', CLI_EXPORT_TARGETS.join(' | '))
    .requiredOption('--out <path>', 'output directory (or a .safetensors file for --to safetensors)')
    .option('--dtype <dtype>', 'float32 | float16 (safetensors only; default: as stored)')
    .option('--force', 'replace an existing output')
    .action(async (opts: ExportCliOptions) => {
      process.stdout.write(`${await runExport(opts)}\n`);
    });
}
