/**
 * `bert4tfjs train-ner`: train a named-entity recogniser (CRF over BIO tags, or GlobalPointer /
 * EfficientGlobalPointer over spans) from span or BIO JSONL, with the shared training controls.
 */
import type { Command } from 'commander';
import { NER_HEADS } from '../ner/heads.ts';
import { trainNer } from '../ner/run.ts';
import { addTrainingControlOptions, parseTrainingControls, type TrainingControlFlags } from '../training/controls.ts';
import { parseFloatOption, parseIntOption, startBackend, withGlobalOptions, type GlobalOptions } from './common.ts';

interface TrainNerFlags extends GlobalOptions, TrainingControlFlags {
  train: string;
  valid: string;
  test?: string;
  model?: string;
  config?: string;
  head: string;
  headSize: string;
  epochs: string;
  batchSize: string;
  maxLength: string;
  lr?: string;
  evalsPerEpoch: string;
  force?: boolean;
  out: string;
}

/** Registers `train-ner`. */
export function registerTrainNer(program: Command): void {
  const cmd = withGlobalOptions(
    program
      .command('train-ner')
      .description('train a named-entity recogniser (CRF or GlobalPointer head) and report entity-level P/R/F1'),
  )
    .requiredOption(
      '--train <file>',
      'JSONL {"text","entities":[{"start","end","type"}]} (character offsets, end exclusive) or {"tokens":[...],"tags":[BIO]}',
    )
    .requiredOption('--valid <file>', 'validation examples (metric curve, best weights)')
    .option('--test <file>', 'test examples (final metrics)')
    .option('--model <dir>', 'start from a converted encoder checkpoint directory')
    .option('--config <name>', 'from scratch: micro | tiny | small | base')
    .option('--head <name>', NER_HEADS.join(' | '), 'crf')
    .option('--head-size <n>', 'GlobalPointer start/end vector size (even)', '32')
    .option('--epochs <n>', 'epochs', '3')
    .option('--batch-size <n>', 'examples per batch', '32')
    .option('--max-length <n>', 'tokens per example ([CLS] and [SEP] included)', '128')
    .option('--lr <x>', 'peak learning rate; default 5e-4 from scratch, 3e-5 from --model')
    .option('--evals-per-epoch <n>', 'validation evaluations per epoch', '2')
    .option('--force', 'replace an existing --out directory (and start over an interrupted run)')
    .requiredOption('--out <dir>', 'output directory (model + metrics.jsonl, predictions, summary.json, curves.svg)');
  addTrainingControlOptions(cmd).action(async (f: TrainNerFlags) => {
    await startBackend(f);
    await trainNer({
      train: f.train,
      valid: f.valid,
      test: f.test,
      model: f.model,
      config: f.config,
      head: f.head,
      headSize: parseIntOption(f.headSize, '--head-size', 2),
      epochs: parseIntOption(f.epochs, '--epochs', 1),
      batchSize: parseIntOption(f.batchSize, '--batch-size', 1),
      maxLength: parseIntOption(f.maxLength, '--max-length', 4),
      lr: f.lr === undefined ? undefined : parseFloatOption(f.lr, '--lr'),
      evalsPerEpoch: parseIntOption(f.evalsPerEpoch, '--evals-per-epoch', 1),
      controls: parseTrainingControls(f),
      force: f.force,
      out: f.out,
      log: (line) => console.log(line),
      progress: !f.quiet && process.stderr.isTTY === true,
      progressLine: !f.quiet && process.stderr.isTTY !== true ? (line) => process.stderr.write(`${line}\n`) : undefined,
    });
  });
}
