import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError, float32ToRaw, intToRaw, serializeSafetensors, type NamedTensors } from '@bert4tfjs/core';
import { getFamily, loadModelDir, runModel, type ModelInputs } from '@bert4tfjs/models';
import type { Command } from 'commander';
import { readInputFile } from '../io/jsonl.ts';
import { prepareOutput, writeOutputFile } from '../io/output-policy.ts';
import { startBackend, warnUnused, withGlobalOptions, type GlobalOptions } from './common.ts';

/**
 * The integer-matrix entries of an inputs file. Other entries (e.g. the fixtures' `texts`) are
 * descriptive and skipped; an integer matrix under a name the model does not take is still an error.
 */
function pickTensorInputs(inputs: Record<string, unknown>): ModelInputs {
  const out: ModelInputs = {};
  for (const [k, v] of Object.entries(inputs)) {
    const isMatrix =
      Array.isArray(v) && v.length > 0 && v.every((r) => Array.isArray(r) && r.every((x) => typeof x === 'number'));
    if (isMatrix) out[k] = v as number[][];
  }
  return out;
}

/** Runs `dir` on the inputs of `inputsPath` and returns the outputs as raw tensors. */
export function forwardModelDir(
  dir: string,
  inputs: Record<string, unknown>,
  options: { allowUnused?: boolean } = {},
): NamedTensors {
  const built = loadModelDir(dir, options.allowUnused ? { allowUnused: true } : {});
  warnUnused(built.loadReport?.unusedNonHead);
  const raw: NamedTensors = new Map();
  let outputs: Record<string, tf.Tensor> = {};
  try {
    const family = getFamily(built.family);
    outputs = family.forward ? family.forward(built, inputs) : runModel(built, pickTensorInputs(inputs));
    for (const [name, t] of Object.entries(outputs)) {
      raw.set(
        name,
        t.dtype === 'int32'
          ? intToRaw(t.dataSync() as Int32Array, t.shape, 'I32')
          : float32ToRaw(t.dataSync() as Float32Array, t.shape),
      );
    }
  } finally {
    tf.dispose(Object.values(outputs));
    built.model.dispose();
  }
  return raw;
}

/** Registers `forward`. */
export function registerForward(program: Command): void {
  withGlobalOptions(
    program.command('forward').description('run a model on JSON inputs and write its outputs as safetensors'),
  )
    .requiredOption('--model <dir>', 'model directory (config.json + model.safetensors)')
    .requiredOption(
      '--inputs <file>',
      'JSON object of integer inputs, e.g. {"input_ids": [[...]], "attention_mask": [[...]]}',
    )
    .requiredOption('--output <file>', 'output .safetensors')
    .option('--force', 'replace an existing output')
    .option('--allow-unused', 'load a checkpoint holding tensors the model does not use (listed as a warning)')
    .action(
      async (
        opts: GlobalOptions & { model: string; inputs: string; output: string; force?: boolean; allowUnused?: boolean },
      ) => {
        prepareOutput(opts.output, { flag: '--output', force: opts.force, inputs: [opts.inputs, opts.model] });
        await startBackend(opts);
        let inputs: unknown;
        try {
          inputs = JSON.parse(readInputFile(opts.inputs));
        } catch (err) {
          if (err instanceof Bert4tfjsError) throw err;
          throw new Bert4tfjsError(`${opts.inputs}: not valid JSON (${(err as Error).message})`, 'bad-input');
        }
        if (!inputs || typeof inputs !== 'object' || Array.isArray(inputs)) {
          throw new Bert4tfjsError(`${opts.inputs}: expected a JSON object of named inputs`, 'bad-input');
        }
        const raw = forwardModelDir(opts.model, inputs as Record<string, unknown>, { allowUnused: opts.allowUnused });
        writeOutputFile(opts.output, serializeSafetensors(raw, { format: 'pt' }));
        if (!opts.quiet) process.stderr.write(`wrote ${[...raw.keys()].join(', ')} to ${opts.output}\n`);
      },
    );
}
