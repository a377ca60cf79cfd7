/**
 * `bert4tfjs train-matching`: fine-tune (or train from scratch) a sentence-matching model — a
 * cross-encoder classifier or a bi-encoder of sentence embeddings (CoSENT or in-batch contrastive) — on
 * PAWS-X / LCQMC TSV or STS-B CSV files, and write a model directory plus metrics, predictions and curves.
 */
import { Bert4tfjsError } from '@bert4tfjs/core';
import type { Command } from 'commander';
import { trainMatching } from '../matching/run.ts';
import { OBJECTIVES, type MatchingObjective } from '../matching/encode.ts';
import { addTrainingControlOptions, parseTrainingControls, type TrainingControlFlags } from '../training/controls.ts';
import type { TrainEngineName } from '../matching/engine-choice.ts';
import { parseFloatOption, parseIntOption, startBackend, withGlobalOptions, type GlobalOptions } from './common.ts';

/** Raw flags of `train-matching`. */
interface TrainMatchingFlags extends GlobalOptions, TrainingControlFlags {
  engine: string;
  train: string;
  valid: string;
  test?: string;
  model?: string;
  config?: string;
  objective: string;
  preTokenize?: string;
  epochs: string;
  batchSize: string;
  maxLength: string;
  lr?: string;
  vocab?: string;
  onBadLine: string;
  labels?: string;
  force?: boolean;
  out: string;
  evalsPerEpoch: string;
  limitTrain?: string;
  limitEval?: string;
}

/** Registers `train-matching`. */
export function registerTrainMatching(program: Command): void {
  const cmd = withGlobalOptions(
    program
      .command('train-matching')
      .description('train a sentence-matching model (cross-encoder, CoSENT or contrastive bi-encoder) and save it'),
  )
    .requiredOption('--train <file>', 'training pairs: TSV (id? a b label, PAWS-X/LCQMC) or CSV (a,b,score, STS-B)')
    .requiredOption('--valid <file>', 'validation pairs (metric curve, decision threshold)')
    .option('--test <file>', 'test pairs (final metrics)')
    .option(
      '--model <dir>',
      'start from a converted BERT checkpoint directory (config.json, model.safetensors, vocab.txt)',
    )
    .option(
      '--config <name>',
      'from scratch: tiny (2x128x2) | small (4x256x4) | base (12x768x12) | micro (1x64x2, smoke tests)',
    )
    .option(
      '--objective <name>',
      'cross-encoder (classifier; regression on graded labels) | cross-encoder-cosent (CoSENT on the joint score) | cosent | contrastive (bi-encoders)',
      'cross-encoder',
    )
    .option('--labels <schema>', 'binary (0/1) | graded (0-5 scores); default: binary for TSV, graded for STS-B CSV')
    .option('--pre-tokenize <name>', 'word-level pre-tokenizer: jieba')
    .option('--epochs <n>', 'epochs', '3')
    .option('--batch-size <n>', 'pairs per batch', '32')
    .option('--max-length <n>', 'tokens per sequence (cross-encoder: per pair)', '64')
    .option('--lr <x>', 'peak learning rate (see --warmup, --schedule); default 5e-4 from scratch, 3e-5 from --model')
    .option('--vocab <file>', "vocab.txt to use (default: the checkpoint's, or one built from the training data)")
    .option('--on-bad-line <what>', 'error | skip', 'error')
    .option('--evals-per-epoch <n>', 'validation evaluations per epoch', '2')
    .option('--limit-train <n>', 'use only the first N training pairs')
    .option('--limit-eval <n>', 'use only the first N validation/test pairs')
    .option(
      '--engine <name>',
      'optimizer-step engine: auto (onnx when onnxruntime-node loads and the training graph supports the model and flags, else tfjs with the reason) | onnx | tfjs',
      'auto',
    )
    .option('--force', 'replace an existing --out directory (and start over an interrupted run)')
    .requiredOption('--out <dir>', 'output directory (model + metrics.jsonl, predictions, summary.json, curves.svg)');
  addTrainingControlOptions(cmd).action(async (f: TrainMatchingFlags) => {
    await startBackend(f);
    const controls = parseTrainingControls(f);
    if (!OBJECTIVES.includes(f.objective as MatchingObjective))
      throw new Bert4tfjsError(
        `--objective must be one of ${OBJECTIVES.join(', ')}, got '${f.objective}'`,
        'bad-argument',
      );
    if (f.labels !== undefined && f.labels !== 'binary' && f.labels !== 'graded')
      throw new Bert4tfjsError(`--labels must be binary or graded, got '${f.labels}'`, 'bad-argument');
    if (f.onBadLine !== 'error' && f.onBadLine !== 'skip')
      throw new Bert4tfjsError(`--on-bad-line must be error or skip, got '${f.onBadLine}'`, 'bad-argument');
    await trainMatching({
      train: f.train,
      valid: f.valid,
      test: f.test,
      model: f.model,
      config: f.config,
      objective: f.objective as MatchingObjective,
      preTokenize: f.preTokenize ?? null,
      epochs: parseIntOption(f.epochs, '--epochs', 1),
      batchSize: parseIntOption(f.batchSize, '--batch-size', 1),
      maxLength: parseIntOption(f.maxLength, '--max-length', 4),
      lr: f.lr === undefined ? undefined : parseFloatOption(f.lr, '--lr'),
      vocab: f.vocab,
      onBadLine: f.onBadLine,
      labels: f.labels as 'binary' | 'graded' | undefined,
      controls,
      force: f.force,
      out: f.out,
      evalsPerEpoch: parseIntOption(f.evalsPerEpoch, '--evals-per-epoch', 1),
      limitTrain: f.limitTrain === undefined ? undefined : parseIntOption(f.limitTrain, '--limit-train', 2),
      limitEval: f.limitEval === undefined ? undefined : parseIntOption(f.limitEval, '--limit-eval', 2),
      engine: f.engine as TrainEngineName,
      log: (line) => console.log(line),
      progress: !f.quiet && process.stderr.isTTY === true,
      // Not a terminal (a log file, CI): one plain line per evaluation instead of a bar.
      progressLine: !f.quiet && process.stderr.isTTY !== true ? (line) => process.stderr.write(`${line}\n`) : undefined,
    });
  });
}
