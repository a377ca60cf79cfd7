/**
 * `trainMatching`: one text-matching run from files to a finished output directory — read and check the
 * data, pick the tokenizer (the checkpoint's, a given vocab, or one built from the training texts),
 * build the network, train with the Trainer under the shared training controls (optimizer, schedule,
 * EMA, best-weights keeping, early stopping, checkpoints in OUT.train-state/ for --resume), score the
 * validation and test splits, compute the baselines, and write everything atomically.
 */
import { Bert4tfjsError, DataGenerator, Trainer, type FitResult } from '@bert4tfjs/core';
import { Tokenizer } from '@bert4tfjs/tokenizers';
import { readMatchingFile, type LabelSchema, type MatchingDataset, type MatchingPair } from '../data/matching-files.ts';
import { loadTokenizerFromDir, preTokenizerByName } from '../pipeline/load.ts';
import type { BestWeights } from '../training/best-weights.ts';
import { defaultTrainingControls, type TrainingControls } from '../training/controls.ts';
import { fitWithControls, keepChosenWeights, trainerControlOptions } from '../training/fit.ts';
import { buildOptimizer, type BuiltOptimizer } from '../training/optimizer.ts';
import { openStateDir, removeStateDir, stateDirFor, type StateDir } from '../training/state-dir.ts';
import { computeBaselines, type Baselines } from './baselines.ts';
import { checkMatchingControls, crossEncoderLoss } from './controls.ts';
import {
  collatePairs,
  encodePairs,
  isCrossEncoder,
  OBJECTIVES,
  pairLength,
  type EncodedPair,
  type MatchingObjective,
} from './encode.ts';
import { primaryMetric, splitMetrics, type SplitMetrics } from './evaluate.ts';
import { buildMatchingNetwork, type MatchingNetwork, type ModelSource } from './model.ts';
import { chooseTrainEngine, type TrainEngineName } from './engine-choice.ts';
import { BI_ENCODER_POOLING, COSINE_SCALE, isPositive, scorePairs, targetFor } from './objectives.ts';
import { checkOutDir, writeRunDir } from './output.ts';
import { finalLines, predictionRecords, runCurves } from './report.ts';
import { buildVocab } from './vocab-builder.ts';

/** Options of {@link trainMatching} (the CLI flags of `train-matching`). */
export interface TrainMatchingOptions {
  train: string;
  valid: string;
  test?: string;
  /** A converted encoder checkpoint directory (config.json, model.safetensors, vocab.txt). */
  model?: string;
  /** From scratch: tiny | small | base. */
  config?: string;
  objective?: MatchingObjective;
  /** Label schema of the files; default: binary for TSV, graded for STS-B CSV (see readMatchingFile). */
  labels?: LabelSchema;
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
  /** Seed of dropout, data order and initialisation (overrides controls.seed). */
  seed?: number;
  /** Optimizer, schedule, EMA, saving and the other shared controls (CLI defaults for what is left out). */
  controls?: Partial<TrainingControls>;
  force?: boolean;
  out: string;
  /** Validation evaluations per epoch (points of the metric curve). Default 2. */
  evalsPerEpoch?: number;
  /** Use only the first N training pairs (quick runs). */
  limitTrain?: number;
  /** Use only the first N validation / test pairs. */
  limitEval?: number;
  /** Optimizer-step engine: auto (onnx when it can, else tfjs with the reason), onnx, tfjs. Default auto. */
  engine?: TrainEngineName;
  /** Console lines (default: none). */
  log?: (line: string) => void;
  /** Progress bar on stderr. */
  progress?: boolean;
  /** One line per evaluation (for logs, when no progress bar is shown). */
  progressLine?: (line: string) => void;
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
    evalsPerEpoch: number;
  } & TrainingControls;
  steps: number;
  /** Why training ended (completed, early stopping). */
  stopped: string;
  /** Step whose weights were saved, and the validation metric that chose it (--save best). */
  saved: { which: 'best' | 'last'; step: number; metric: number | null };
  resumedFrom: number;
  /** The optimizer-step engine that ran and the line saying why (auto's fallback reason included). */
  engine: { name: 'onnx' | 'tfjs'; note: string };
  trainSeconds: number;
  valid: SplitMetrics;
  test: SplitMetrics | null;
  baselines: Baselines;
  out: string;
  curves: string;
}

function readSplit(path: string, flag: string, o: TrainMatchingOptions, schema?: LabelSchema): MatchingDataset {
  if (!path) throw new Bert4tfjsError(`${flag} FILE is required`, 'bad-argument');
  return readMatchingFile(path, { onBadLine: o.onBadLine ?? 'error', schema });
}

/** Everything the fit needs, gathered once so an alternative engine can hook in at {@link fitMatching}. */
export interface MatchingFitContext {
  net: MatchingNetwork;
  objective: MatchingObjective;
  schema: LabelSchema;
  controls: TrainingControls;
  gen: DataGenerator<EncodedPair, Record<string, import('@tensorflow/tfjs').Tensor>>;
  epochs: number;
  evalEvery: number;
  state: StateDir;
  lossOptions: ReturnType<typeof crossEncoderLoss>;
  built: BuiltOptimizer;
  /** Validation metric of the current weights (EMA weights swapped in by the caller when on). */
  validMetric: () => number;
  metricName: string;
  totalSteps: number;
  progress: boolean;
  progressLine?: (line: string) => void;
  /** Optimizer-step engine (default auto). */
  engine?: TrainEngineName;
  log?: (line: string) => void;
}

/** What the fit hands back: the trainer's result and the keeper of the best weights. */
export interface MatchingFitOutcome {
  fit: FitResult;
  best: BestWeights;
  trainer: Trainer;
  /** The engine chosen and why. */
  engine: { name: 'onnx' | 'tfjs'; note: string };
}

/**
 * Trains the network: the Trainer with seeded dropout and clipping, evaluation every `evalEvery` steps
 * (EMA weights swapped in), the best weights kept, early stopping, and checkpoints in the state
 * directory from which --resume continues.
 */
export async function fitMatching(x: MatchingFitContext): Promise<MatchingFitOutcome> {
  const { net, controls: c, built } = x;
  const lo = x.lossOptions;
  const unsupported = [
    ...(c.adversarial === 'fgm' || c.gradientPenalty !== null ? ['--adversarial / --gradient-penalty'] : []),
    ...(lo.classWeights || lo.logitAdjust ? ['--class-weights / --logit-adjust'] : []),
    ...((lo.multiSampleDropout ?? 1) > 1 ? ['--multi-sample-dropout'] : []),
    ...(c.ema !== null ? ['--ema'] : []),
  ];
  const engine = await chooseTrainEngine(x.engine ?? 'auto', net.built, x.objective, x.schema, built.optimizer, {
    seed: c.seed,
    scale: COSINE_SCALE,
    clipNorm: c.clipNorm,
    labelSmoothing: lo.labelSmoothing ?? 0,
    unsupported,
  });
  x.log?.(engine.note);
  const trainer = new Trainer({
    stepEngine: engine.engine,
    ...targetFor(net.built, x.objective, x.schema, x.lossOptions),
    optimizer: built.optimizer,
    progress: x.progress,
    ...trainerControlOptions(c),
  });
  const monitor = `valid_${x.metricName}`;
  const t0 = performance.now();
  const { fit, best } = await fitWithControls({
    trainer,
    gen: x.gen,
    controls: c,
    optimizer: built,
    state: x.state,
    epochs: x.epochs,
    evalEvery: x.evalEvery,
    monitor,
    validMetric: x.validMetric,
    onEvaluation: (step, value, kept) =>
      x.progressLine?.(
        `train-matching: step ${step}/${x.totalSteps}, ${((performance.now() - t0) / 1000).toFixed(1)} s: ${monitor} ${value.toFixed(4)} (best ${kept.best?.toFixed(4) ?? '-'} at step ${kept.bestStep})`,
      ),
  });
  return { fit, best, trainer, engine: { name: engine.name, note: engine.note } };
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
  const controls = defaultTrainingControls({ ...o.controls, ...(o.seed !== undefined ? { seed: o.seed } : {}) });
  const epochs = o.epochs ?? 3;
  const batchSize = o.batchSize ?? 32;
  const maxLength = o.maxLength ?? 64;
  const seed = controls.seed;
  const lr = o.lr ?? (o.model ? 3e-5 : 5e-4);
  const evalsPerEpoch = o.evalsPerEpoch ?? 2;
  for (const [flag, v, min] of [
    ['--epochs', epochs, 1],
    ['--batch-size', batchSize, 1],
    ['--max-length', maxLength, 4],
    ['--evals-per-epoch', evalsPerEpoch, 1],
  ] as const) {
    if (!Number.isInteger(v) || v < min)
      throw new Bert4tfjsError(`${flag} must be an integer >= ${min}, got ${v}`, 'bad-argument');
  }
  if (!(lr > 0)) throw new Bert4tfjsError(`--lr must be a positive number, got ${lr}`, 'bad-argument');

  // Data: the training file fixes the label schema; validation and test must follow it.
  const trainSet = readSplit(o.train, '--train', o, o.labels);
  const schema = trainSet.schema;
  checkMatchingControls(controls, objective, schema);
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
  const lossOptions = crossEncoderLoss(controls, train);

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
    ? { kind: 'pretrained', dir: o.model, seed }
    : { kind: 'scratch', config: o.config!, vocabSize: tokenizer.vocabSize, seed };
  const net = buildMatchingNetwork(source, objective, schema);
  const model = net.built;
  const disposeModel = () => model.model.dispose();
  let optimizer: BuiltOptimizer | null = null;
  try {
    const modelVocab = model.model.getLayer('Embedding-Token').weights[0].shape[0]!;
    if (tokenizer.vocabSize > modelVocab) {
      throw new Bert4tfjsError(
        `the vocabulary has ${tokenizer.vocabSize} tokens but the model's embedding has ${modelVocab} rows`,
        'bad-argument',
      );
    }
    const parameters = model.model.countParams();
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
    if (controls.gradAccum > totalSteps)
      throw new Bert4tfjsError(
        `--grad-accum ${controls.gradAccum} is more than the ${totalSteps} batches of the run; no update would happen`,
        'bad-argument',
      );
    optimizer = buildOptimizer(controls, lr, totalSteps);
    const metricName = primaryMetric(schema);
    // Probabilities of the 2-class head decide at 0.5; other scores at the threshold best on validation.
    const fixedThreshold = objective === 'cross-encoder' && schema === 'binary' ? 0.5 : 'best';
    const scoreSplit = (pairs: MatchingPair[], enc: typeof encodedValid) =>
      scorePairs(model, tokenizer, objective, schema, pairs, enc, maxLength);
    const evalEvery = Math.max(1, Math.floor(gen.stepsPerEpoch / evalsPerEpoch));
    const options = { epochs, batchSize, maxLength, lr, preTokenize: preName, evalsPerEpoch, ...controls };
    const state = stateDirFor(o.out);
    const { resume: _resume, ...recorded } = options;
    openStateDir(
      state,
      { objective, schema, model: o.model ?? null, config: o.config ?? null, train: o.train, ...recorded },
      { resume: controls.resume, force: o.force ?? false },
    );
    const t0 = performance.now();
    const { fit, best, trainer, engine } = await fitMatching({
      net,
      objective,
      schema,
      controls,
      gen,
      epochs,
      evalEvery,
      state,
      lossOptions,
      built: optimizer,
      validMetric: () =>
        splitMetrics(
          scoreSplit(valid, encodedValid),
          valid.map((p) => p.label),
          schema,
          fixedThreshold,
        )[metricName]!,
      metricName,
      totalSteps,
      progress: o.progress ?? false,
      engine: o.engine,
      log,
      progressLine: o.progressLine,
    });
    const trainSeconds = (performance.now() - t0) / 1000;

    // The weights to save: the best evaluated ones (--save best), else the last (EMA-averaged with --ema).
    const saved = keepChosenWeights(trainer, { fit, best }, controls, optimizer);

    // Final scores: threshold 0.5 for the classifier's probabilities, the validation-chosen one otherwise.
    const validScores = scoreSplit(valid, encodedValid);
    const validMetrics = splitMetrics(
      validScores,
      valid.map((p) => p.label),
      schema,
      fixedThreshold,
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
      options,
      steps: fit.step,
      stopped: fit.message,
      saved,
      resumedFrom: fit.resumedFrom,
      engine,
      trainSeconds,
      valid: validMetrics,
      test: testMetrics,
      baselines,
      out: o.out,
      curves: `${o.out}/curves.svg`,
    };
    await writeRunDir(
      o.out,
      {
        built: model,
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
          pooling: isCrossEncoder(objective) ? 'cls' : BI_ENCODER_POOLING,
          normalize: true,
          max_length: maxLength,
          ...(threshold !== undefined ? { threshold } : {}),
        },
        metricsLog: state.metrics,
        extraMetrics: [
          { event: 'final', split: 'valid', step: fit.step, saved, metrics: validMetrics },
          ...(testMetrics ? [{ event: 'final', split: 'test', step: fit.step, saved, metrics: testMetrics }] : []),
          { event: 'baselines', ...baselines },
        ],
        predictions: {
          valid: predictionRecords(valid, validScores, threshold),
          ...(test && testScores ? { test: predictionRecords(test, testScores, threshold) } : {}),
        },
        summary: summary as unknown as Record<string, unknown>,
        curves: runCurves(fit.history, fit.evaluations),
        curvesTitle: `${objective} (${init}) on ${schema} data: loss and valid ${metricName}`,
      },
      o.force ?? false,
    );
    removeStateDir(state);
    if (fit.stopReason === 'stopped') log(fit.message);
    for (const line of finalLines(
      fit.step,
      trainSeconds,
      validMetrics,
      testMetrics,
      baselines,
      `${saved.which} (step ${saved.step})`,
    ))
      log(line);
    return summary;
  } finally {
    optimizer?.optimizer.dispose();
    disposeModel();
  }
}
