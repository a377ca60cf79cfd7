/**
 * `bert4tfjs convert`: a TF checkpoint, model.safetensors or pytorch_model.bin -> a Hugging Face-layout
 * model directory (config.json, model.safetensors, vocabulary). Prints what was converted and what was
 * left out; a failure leaves no output directory.
 */
import { Bert4tfjsError } from '@bert4tfjs/core';
import { CONVERT_MODELS, convertCheckpoint, describeConvert, parseConvertModel } from '@bert4tfjs/models';
import type { Command } from 'commander';
import { prepareOutput } from '../io/output-policy.ts';
import { progressBar, startBackend, withGlobalOptions, type GlobalOptions } from './common.ts';

/** Options of `convert` as commander parses them. */
export interface ConvertCliOptions extends GlobalOptions {
  from: string;
  out: string;
  config?: string;
  model?: string;
  dtype?: string;
  vocab?: string[];
  verify?: string;
  force?: boolean;
}

function parseChoice<T extends string>(value: string | undefined, flag: string, valid: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(valid as readonly string[]).includes(value)) {
    throw new Bert4tfjsError(`${flag}: expected one of ${valid.join(', ')}, got '${value}'`, 'bad-argument');
  }
  return value as T;
}

/** Runs `convert` with parsed options; returns the printed summary. */
export async function runConvert(opts: ConvertCliOptions): Promise<string> {
  const dtype = parseChoice(opts.dtype, '--dtype', ['float32', 'float16'] as const);
  const verify = parseChoice(opts.verify, '--verify', ['auto', 'load', 'shapes'] as const);
  // Cheap argument errors first: starting a backend takes a moment and prints a report.
  if (opts.model !== undefined) parseConvertModel(opts.model);
  prepareOutput(opts.out, {
    flag: '--out',
    force: opts.force,
    inputs: [opts.from, opts.config, ...(opts.vocab ?? [])],
  });
  // Validation builds the model, so a backend must be up.
  await startBackend(opts);
  // Created on the first tensor, when the total is known.
  const progress: { bar?: ReturnType<typeof progressBar> } = {};
  try {
    const report = await convertCheckpoint({
      from: opts.from,
      out: opts.out,
      config: opts.config,
      model: opts.model,
      dtype,
      vocab: opts.vocab,
      verify,
      force: opts.force,
      onProgress: (done, total) => {
        progress.bar ??= progressBar(total, 'convert', opts.quiet);
        progress.bar.update(done);
      },
    });
    return describeConvert(report);
  } finally {
    progress.bar?.stop();
  }
}

/** Registers `convert`. */
export function registerConvert(program: Command): void {
  withGlobalOptions(
    program
      .command('convert')
      .description('convert a TF checkpoint / safetensors / pytorch_model.bin into a Hugging Face model directory'),
  )
    .requiredOption(
      '--from <path>',
      'TF checkpoint (prefix, .index or directory), model.safetensors, pytorch_model.bin, or a directory',
    )
    .requiredOption('--out <dir>', 'output model directory (must not exist unless --force)')
    .option(
      '--config <file>',
      'bert_config.json / albert_config.json / config.json (default: found beside the checkpoint)',
    )
    .option('--model <name>', `${CONVERT_MODELS.join(' | ')} (default: guessed from the tensor names)`)
    .option('--dtype <dtype>', 'float32 | float16 (default: as stored)')
    .option('--vocab <files...>', 'vocabulary files to copy (default: vocab.txt / *.model beside the checkpoint)')
    .option(
      '--verify <mode>',
      'auto | load | shapes: load the result into the model, or check shapes only (default auto: load up to 256 MiB)',
    )
    .option('--force', 'replace an existing output directory (only once the new one is complete)')
    .action(async (opts: ConvertCliOptions) => {
      process.stdout.write(`${await runConvert(opts)}\n`);
    });
}
