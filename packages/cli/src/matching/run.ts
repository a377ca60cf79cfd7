/**
 * `trainMatching`: one text-matching run from files to a finished output directory — read and check the
 * data, pick the tokenizer (the checkpoint's, a given vocab, or one built from the training texts),
 * build the network, train with the Trainer (validation metric evaluated as it goes), score the
 * validation and test splits, compute the baselines, and write everything atomically.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adam, Bert4tfjsError, DataGenerator, Trainer, warmupLinearDecay } from '@bert4tfjs/core';
import { Tokenizer } from '@bert4tfjs/tokenizers';
import { readMatchingFile, type LabelSchema, type MatchingDataset, type MatchingPair } from '../data/matching-files.ts';
import { loadTokenizerFromDir, preTokenizerByName } from '../pipeline/load.ts';
import type { CurvePoint } from '../report/curves.ts';
import { computeBaselines, type Baselines } from './baselines.ts';
import { collatePairs, encodePairs, OBJECTIVES, pairLength, type MatchingObjective } from './encode.ts';
import { formatMetrics, predictAt, primaryMetric, splitMetrics, type SplitMetrics } from './evaluate.ts';
import { buildMatchingNetwork, type ModelSource } from './model.ts';
import { chooseTrainEngine, type TrainEngineName } from './engine-choice.ts';
import { BI_ENCODER_POOLING, COSINE_SCALE, isPositive, scorePairs, targetFor } from './objectives.ts';
import { checkOutDir, writeRunDir, type PredictionRecord } from './output.ts';
import { buildVocab } from './vocab-builder.ts';

/** Options of {@link trainMatching} (the CLI flags of `train-matching`). */
export interface TrainMatchingOptions {
  train: string;
  valid: string;
  test?: string;
  /** A converted BERT checkpoint directory (config.json, model.safetensors, vocab.txt). */
  model?: string;
  /** From scratch: tiny | small | base. */
  config?: string;
  objective?: MatchingObjective;
  /** Word-level pre-tokenizer name ('jieba'). */
  preTokenize?: string | null;
  epochs?: number;
  batchSize?: number;
  maxLength?: number;
  /** Peak learning rate. Default 5e-4 from scratch, 3e-5 from a checkpoint. */
  lr?: number;
  /** A vocab.txt to use instead of the one built from the training data (or the checkpoint's). */
  vocab?: string;
  onBadLine?: 'error' | 'skip';
  seed?: number;
  force?: boolean;
  out: string;
  /** Validation evaluations per epoch (points of the metric curve). Default 2. */
  evalsPerEpoch?: number;
  /** Use only the first N training pairs (quick runs). */
  limitTrain?: number;
  /** Use only the first N validation / test pairs. */
  limitEval?: number;
  /** Optimizer-step engine: auto (onnx when it can, else tfjs with the reason), onnx, tfjs. Default tfjs. */
  engine?: TrainEngineName;
  /** Console lines (default: none). */
  log?: (line: string) => void;
  /** Progress bar on stderr. */
  progress?: boolean;
}

/** What a run reports (also written as summary.json). */
export interface TrainMatchingSummary {
  objective: MatchingObjective;
  schema: LabelSchema;
  init: string;
  data: Record<string, { path: string; pairs: number; skipped: number }>;
  vocabSize: number;
  parameters: number;
  options: {
    epochs: number;
    batchSize: number;
    maxLength: number;
    lr: number;
    seed: number;
    preTokenize: string | null;
  };
  steps: number;
  trainSeconds: number;
  valid: SplitMetrics;
  test: SplitMetrics | null;
  baselines: Baselines;
  out: string;
  curves: string;
}

function readSplit(path: string, flag: string, o: TrainMatchingOptions, schema?: LabelSchema): MatchingDataset {
  if (!path) throw new Bert4tfjsError(`${flag} FILE is required`, 'bad-argument');
  const d = readMatchingFile(path, { onBadLine: o.onBadLine ?? 'error', schema });
  return d;
}

/** Runs one matching job end to end; resolves to its summary once the output directory is written. */
export async function trainMatching(o: TrainMatchingOptions): Promise<TrainMatchingSummary> {
  const log = o.log ?? (() => {});
  const objective = o.objective ?? 'cross-encoder';
  if (!OBJECTIVES.includes(objective))
    throw new Bert4tfjsError(`--objective must be one of ${OBJECTIVES.join(', ')}, got '${objective}'`, 'bad-argument');
  if ((o.model === undefined) === (o.config === undefined))
    throw new Bert4tfjsError(
      'give either --model DIR (a converted checkpoint) or --config tiny|small|base (from scratch)',
      'bad-argument',
    );
  if (!o.out) throw new Bert4tfjsError('--out DIR is required', 'bad-argument');
  checkOutDir(o.out, o.force ?? false);
  const epochs = o.epochs ?? 3;
  const batchSize = o.batchSize ?? 32;
  const maxLength = o.maxLength ?? 64;
  const seed = o.seed ?? 42;
  const lr = o.lr ?? (o.model ? 3e-5 : 5e-4);
  for (const [flag, v, min] of [
    ['--epochs', epochs, 1],
    ['--batch-size', batchSize, 1],
    ['--max-length', maxLength, 4],
  ] as const) {
    if (!Number.isInteger(v) || v < min)
      throw new Bert4tfjsError(`${flag} must be an integer >= ${min}, got ${v}`, 'bad-argument');
  }
  if (!(lr > 0)) throw new Bert4tfjsError(`--lr must be a positive number, got ${lr}`, 'bad-argument');

  // Data: the training file fixes the label schema; validation and test must follow it.
  const trainSet = readSplit(o.train, '--train', o);
  const schema = trainSet.schema;
  const validSet = readSplit(o.valid, '--valid', o, schema);
  const testSet = o.test ? readSplit(o.test, '--test', o, schema) : null;
  const cut = (ps: MatchingPair[], n?: number) => (n !== undefined ? ps.slice(0, n) : ps);
  const train = cut(trainSet.pairs, o.limitTrain);
  const valid = cut(validSet.pairs, o.limitEval);
  const test = testSet ? cut(testSet.pairs, o.limitEval) : null;
  for (const d of [trainSet, validSet, testSet])
    if (d?.skipped.length)
      log(
        `skipped ${d.skipped.length} malformed line(s) of ${d.path} (first: line ${d.skipped[0].line}, ${d.skipped[0].reason})`,
      );

  // Tokenizer: the checkpoint's vocab, --vocab, or one built from the training texts.
  const preName = o.preTokenize ?? null;
  const preTokenize = preName ? preTokenizerByName(preName) : undefined;
  let tokenizer: Tokenizer;
  if (o.vocab) tokenizer = Tokenizer.fromVocabFile(o.vocab, { preTokenize });
  else if (o.model) tokenizer = loadTokenizerFromDir(o.model, { preTokenizeName: preName ?? undefined });
  else
    tokenizer = new Tokenizer(
      buildVocab(
        train.flatMap((p) => [p.a, p.b]),
        { preTokenize },
      ),
      { preTokenize },
    );

  const source: ModelSource = o.model
    ? { kind: 'pretrained', dir: o.model }
    : { kind: 'scratch', config: o.config!, vocabSize: tokenizer.vocabSize, seed };
  const net = buildMatchingNetwork(source, objective, schema);
  const { built } = net;
  const modelVocab = built.model.getLayer('Embedding-Token').weights[0].shape[0]!;
  if (tokenizer.vocabSize > modelVocab) {
    throw new Bert4tfjsError(
      `the vocabulary has ${tokenizer.vocabSize} tokens but the model's embedding has ${modelVocab} rows`,
      'bad-argument',
    );
  }
  const parameters = built.model.countParams();
  const init = o.model
    ? `pretrained ${o.model}${net.freshLayers.length ? ` (new: ${net.freshLayers.join(', ')})` : ''}`
    : `scratch ${o.config}`;

  const trainPairs = objective === 'contrastive' ? train.filter((p) => isPositive(p, schema)) : train;
  if (trainPairs.length < 2)
    throw new Bert4tfjsError(
      `${o.train}: the contrastive objective needs at least 2 positive pairs, found ${trainPairs.length}`,
      'empty-input',
    );
  const encodedTrain = encodePairs(tokenizer, trainPairs, objective, maxLength);
  const encodedValid = encodePairs(tokenizer, valid, objective, maxLength);
  const encodedTest = test ? encodePairs(tokenizer, test, objective, maxLength) : null;
  log(
    `${objective} on ${schema} data: ${trainPairs.length} training pairs${trainPairs.length !== train.length ? ` (positives of ${train.length})` : ''}, ${valid.length} valid, ${test?.length ?? 0} test; ${init}, ${(parameters / 1e6).toFixed(2)}M parameters, vocab ${tokenizer.vocabSize}`,
  );

  const intLabels = objective === 'cross-encoder' && schema === 'binary';
  const gen = new DataGenerator(encodedTrain, {
    batchSize,
    seed,
    bucketBy: pairLength,
    collate: (ex) => collatePairs(ex, objective, intLabels),
  });
  const totalSteps = epochs * gen.stepsPerEpoch;
  const optimizer = adam({
    learningRate: lr,
    schedule: warmupLinearDecay({ warmupSteps: Math.round(totalSteps * 0.1), totalSteps }),
  });
  const engine = await chooseTrainEngine(o.engine ?? 'tfjs', built, objective, schema, optimizer, {
    seed,
    scale: COSINE_SCALE,
  });
  log(engine.note);
  const trainer = new Trainer({
    ...targetFor(built, objective, schema),
    optimizer,
    progress: o.progress ?? false,
    stepEngine: engine.engine,
  });
  const metricName = primaryMetric(schema);
  const scoreSplit = (pairs: MatchingPair[], enc: typeof encodedValid) =>
    scorePairs(built, tokenizer, objective, schema, pairs, enc, maxLength);
  const staging = mkdtempSync(join(tmpdir(), 'b4t-matching-'));
  const evalEvery = Math.max(1, Math.floor(gen.stepsPerEpoch / Math.max(1, o.evalsPerEpoch ?? 2)));
  const t0 = performance.now();
  let fit: Awaited<ReturnType<typeof trainer.fit>>;
  try {
    fit = await trainer.fit(gen, {
      epochs,
      evalEvery,
      metricsPath: join(staging, 'metrics.jsonl'),
      evaluate: ({ step }) => {
        const m = splitMetrics(
          scoreSplit(valid, encodedValid),
          valid.map((p) => p.label),
          schema,
          objective === 'cross-encoder' ? 0.5 : 'best',
        );
        const value = m[metricName]!;
        log(`  step ${step}/${totalSteps}: valid ${metricName} ${value.toFixed(4)}`);
        return { [`valid_${metricName}`]: value };
      },
    });
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    optimizer.dispose();
    built.model.dispose();
    throw err;
  }
  const trainSeconds = (performance.now() - t0) / 1000;

  // Final scores: threshold 0.5 for the classifier's probabilities, the validation-chosen one for cosines.
  const validScores = scoreSplit(valid, encodedValid);
  const validMetrics = splitMetrics(
    validScores,
    valid.map((p) => p.label),
    schema,
    objective === 'cross-encoder' ? 0.5 : 'best',
  );
  const threshold = validMetrics.threshold;
  const testScores = test && encodedTest ? scoreSplit(test, encodedTest) : null;
  const testMetrics =
    test && testScores
      ? splitMetrics(
          testScores,
          test.map((p) => p.label),
          schema,
          threshold ?? 0,
        )
      : null;
  const baselines = computeBaselines(train, valid, test, schema);
  const records = (pairs: MatchingPair[], scores: number[]): PredictionRecord[] => {
    const hard = threshold !== undefined ? predictAt(scores, threshold) : null;
    return pairs.map((p, i) => ({
      line: p.line,
      a: p.a,
      b: p.b,
      label: p.label,
      score: scores[i],
      ...(hard ? { prediction: hard[i] } : {}),
    }));
  };

  const curves: CurvePoint[] = fit.history.map((h) => ({ step: h.step, series: 'train loss', value: h.loss }));
  // Per-step losses are noisy at small batch sizes: add their trailing moving average.
  const window = Math.max(2, Math.round(fit.history.length / 20));
  fit.history.forEach((h, i) => {
    const span = fit.history.slice(Math.max(0, i - window + 1), i + 1);
    curves.push({
      step: h.step,
      series: `avg train loss (${window} steps)`,
      value: span.reduce((s, x) => s + x.loss, 0) / span.length,
    });
  });
  for (const e of fit.evaluations)
    for (const [k, v] of Object.entries(e.metrics))
      curves.push({ step: e.step, series: k.replace('_', ' '), value: v });
  const summary: TrainMatchingSummary = {
    objective,
    schema,
    init,
    data: Object.fromEntries(
      (
        [
          ['train', trainSet, train],
          ['valid', validSet, valid],
          ['test', testSet, test],
        ] as const
      )
        .filter(([, d]) => d !== null)
        .map(([k, d, ps]) => [k, { path: d!.path, pairs: ps!.length, skipped: d!.skipped.length }]),
    ),
    vocabSize: tokenizer.vocabSize,
    parameters,
    options: { epochs, batchSize, maxLength, lr, seed, preTokenize: preName },
    steps: fit.step,
    trainSeconds,
    valid: validMetrics,
    test: testMetrics,
    baselines,
    out: o.out,
    curves: join(o.out, 'curves.svg'),
  };
  try {
    await writeRunDir(
      o.out,
      {
        built,
        tokenizer,
        extraConfig: net.extraConfig,
        tokenizerConfig: {
          tokenizer_class: 'BertTokenizer',
          do_lower_case: tokenizer.lowercase,
          pre_tokenize: preName,
          model_max_length: maxLength,
        },
        embeddingConfig: {
          objective,
          schema,
          pooling: objective === 'cross-encoder' ? 'cls' : BI_ENCODER_POOLING,
          normalize: true,
          max_length: maxLength,
          ...(threshold !== undefined ? { threshold } : {}),
        },
        metricsLog: join(staging, 'metrics.jsonl'),
        extraMetrics: [
          { event: 'final', split: 'valid', step: fit.step, metrics: validMetrics },
          ...(testMetrics ? [{ event: 'final', split: 'test', step: fit.step, metrics: testMetrics }] : []),
          { event: 'baselines', ...baselines },
        ],
        predictions: {
          valid: records(valid, validScores),
          ...(test && testScores ? { test: records(test, testScores) } : {}),
        },
        summary: summary as unknown as Record<string, unknown>,
        curves,
        curvesTitle: `${objective} (${init}) on ${schema} data: loss and valid ${metricName}`,
      },
      o.force ?? false,
    );
  } finally {
    rmSync(staging, { recursive: true, force: true });
    optimizer.dispose();
    built.model.dispose();
  }
  log(`trained ${fit.step} steps in ${trainSeconds.toFixed(1)} s`);
  log(`valid: ${formatMetrics(validMetrics)}`);
  if (testMetrics) log(`test:  ${formatMetrics(testMetrics)}`);
  const b = baselines;
  if (b.majority)
    log(
      `baseline majority class (${b.majority.label}): valid accuracy ${b.majority.valid.toFixed(4)}${b.majority.test !== null ? `, test accuracy ${b.majority.test.toFixed(4)}` : ''}`,
    );
  log(
    `baseline character-overlap Jaccard: valid ${formatMetrics(b.jaccard.valid)}${b.jaccard.test ? `; test ${formatMetrics(b.jaccard.test)}` : ''}`,
  );
  return summary;
}
