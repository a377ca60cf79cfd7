/**
 * `bert4tfjs train-classify`: train a text classifier (single-label or multi-label, from JSONL or TSV)
 * with the same training controls and outputs as train-matching.
 */
import { Bert4tfjsError } from '@bert4tfjs/core';
import type { Command } from 'commander';
import { trainClassify } from '../classify/run.ts';
import { addTrainingControlOptions, parseTrainingControls, type TrainingControlFlags } from '../training/controls.ts';
import { parseFloatOption, parseIntOption, startBackend, withGlobalOptions, type GlobalOptions } from './common.ts';

interface TrainClassifyFlags extends GlobalOptions, TrainingControlFlags {
  train: string;
  valid: string;
  test?: string;
  model?: string;
  config?: string;
  loss: string;
  focalGamma: string;
  epochs: string;
  batchSize: string;
  maxLength: string;
  lr?: string;
  evalsPerEpoch: string;
  force?: boolean;
  out: string;
}

/** Registers `train-classify`. */
export function registerTrainClassify(program: Command): void {
  const cmd = withGlobalOptions(
    program
      .command('train-classify')
      .description('train a text classifier (single-label CE/focal, or multi-label ZLPR with soft labels) and save it'),
  )
    .requiredOption(
      '--train <file>',
      'JSONL {"text","label"} (single-label), {"text","labels":[...]} (multi-label), {"label":{"a":p}} soft; or TSV text<TAB>label',
    )
    .requiredOption('--valid <file>', 'validation examples (metric curve, best weights)')
    .option('--test <file>', 'test examples (final metrics)')
    .option('--model <dir>', 'start from a converted encoder checkpoint directory')
    .option('--config <name>', 'from scratch: micro | tiny | small | base')
    .option('--loss <name>', 'single-label loss: ce | focal', 'ce')
    .option('--focal-gamma <x>', 'γ of the focal loss', '2')
    .option('--epochs <n>', 'epochs', '3')
    .option('--batch-size <n>', 'examples per batch', '32')
    .option('--max-length <n>', 'tokens per text', '64')
    .option('--lr <x>', 'peak learning rate; default 5e-4 from scratch, 3e-5 from --model')
    .option('--evals-per-epoch <n>', 'validation evaluations per epoch', '2')
    .option('--force', 'replace an existing --out directory (and start over an interrupted run)')
    .requiredOption('--out <dir>', 'output directory (model + metrics.jsonl, predictions, summary.json, curves.svg)');
  addTrainingControlOptions(cmd).action(async (f: TrainClassifyFlags) => {
    await startBackend(f);
    const controls = parseTrainingControls(f);
    if (f.loss !== 'ce' && f.loss !== 'focal')
      throw new Bert4tfjsError(`--loss must be ce or focal, got '${f.loss}'`, 'bad-argument');
    await trainClassify({
      train: f.train,
      valid: f.valid,
      test: f.test,
      model: f.model,
      config: f.config,
      loss: f.loss,
      focalGamma: parseFloatOption(f.focalGamma, '--focal-gamma'),
      epochs: parseIntOption(f.epochs, '--epochs', 1),
      batchSize: parseIntOption(f.batchSize, '--batch-size', 1),
      maxLength: parseIntOption(f.maxLength, '--max-length', 4),
      lr: f.lr === undefined ? undefined : parseFloatOption(f.lr, '--lr'),
      evalsPerEpoch: parseIntOption(f.evalsPerEpoch, '--evals-per-epoch', 1),
      controls,
      force: f.force,
      out: f.out,
      log: (line) => console.log(line),
      progress: !f.quiet && process.stderr.isTTY === true,
      progressLine: !f.quiet && process.stderr.isTTY !== true ? (line) => process.stderr.write(`${line}\n`) : undefined,
    });
  });
}
