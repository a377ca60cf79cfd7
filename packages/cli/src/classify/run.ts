/**
 * `trainClassify`: text classification from files to a finished output directory, with the same
 * training controls, state directory (--resume), best-weights keeping and outputs as train-matching.
 * Single-label: softmax cross-entropy (label smoothing, class weights = weighted CE, logit adjustment,
 * or focal loss); multi-label: ZLPR (bert4keras's multilabel_categorical_crossentropy), soft targets welcome.
 */
import * as tf from '@tensorflow/tfjs';
import {
  Bert4tfjsError,
  crossEntropy,
  DataGenerator,
  focalLoss,
  logitAdjustedCrossEntropy,
  multilabelCategoricalCrossentropy,
  toTensorBatch,
  Trainer,
} from '@bert4tfjs/core';
import { Tokenizer } from '@bert4tfjs/tokenizers';
import { padSequences, type EncodedSeq } from '../matching/encode.ts';
import { buildMatchingNetwork } from '../matching/model.ts';
import { checkOutDir, writeRunDir } from '../matching/output.ts';
import { runCurves } from '../matching/report.ts';
import { buildVocab } from '../matching/vocab-builder.ts';
import { loadTokenizerFromDir } from '../pipeline/load.ts';
import { defaultTrainingControls, rejectControls, type TrainingControls } from '../training/controls.ts';
import { fitWithControls, keepChosenWeights, trainerControlOptions } from '../training/fit.ts';
import { multiSampleLogits } from '../training/multi-sample-dropout.ts';
import { buildOptimizer, type BuiltOptimizer } from '../training/optimizer.ts';
import { openStateDir, removeStateDir, stateDirFor } from '../training/state-dir.ts';
import { readClassifyFile, targetsOf, type ClassifyDataset } from './data.ts';
import { classifyMetrics, decisions, type ClassifyMetrics } from './metrics.ts';

/** Options of {@link trainClassify} (the flags of `train-classify`). */
export interface TrainClassifyOptions {
  train: string;
  valid: string;
  test?: string;
  model?: string;
  config?: string;
  /** Single-label loss: cross-entropy (default) or focal. */
  loss?: 'ce' | 'focal';
  focalGamma?: number;
  epochs?: number;
  batchSize?: number;
  maxLength?: number;
  lr?: number;
  evalsPerEpoch?: number;
  controls?: Partial<TrainingControls>;
  force?: boolean;
  out: string;
  log?: (line: string) => void;
  progress?: boolean;
  progressLine?: (line: string) => void;
}

/** summary.json of a classification run. */
export interface TrainClassifySummary {
  task: 'single-label' | 'multi-label';
  labels: string[];
  init: string;
  options: Record<string, unknown>;
  steps: number;
  stopped: string;
  saved: { which: 'best' | 'last'; step: number; metric: number | null };
  resumedFrom: number;
  trainSeconds: number;
  valid: Omit<ClassifyMetrics, 'perClass'>;
  test: Omit<ClassifyMetrics, 'perClass'> | null;
  /** Per-class report of the test split (else the validation split). */
  perClass: ClassifyMetrics['perClass'];
  baselines: { majority: { valid: number; test: number | null } };
}

interface Row {
  seq: EncodedSeq;
  target: number[];
}

/** Runs one classification job end to end. */
export async function trainClassify(o: TrainClassifyOptions): Promise<TrainClassifySummary> {
  const log = o.log ?? (() => {});
  if ((o.model === undefined) === (o.config === undefined))
    throw new Bert4tfjsError(
      'give either --model DIR (a converted checkpoint) or --config NAME (from scratch)',
      'bad-argument',
    );
  if (!o.out) throw new Bert4tfjsError('--out DIR is required', 'bad-argument');
  checkOutDir(o.out, o.force ?? false);
  const c = defaultTrainingControls(o.controls);
  const [epochs, batchSize, maxLength, evalsPerEpoch] = [
    o.epochs ?? 3,
    o.batchSize ?? 32,
    o.maxLength ?? 64,
    o.evalsPerEpoch ?? 2,
  ];
  const lr = o.lr ?? (o.model ? 3e-5 : 5e-4);
  const loss = o.loss ?? 'ce';
  const train = readClassifyFile(o.train);
  const multi = train.multiLabel;
  const valid = readClassifyFile(o.valid);
  const test = o.test ? readClassifyFile(o.test) : null;
  for (const d of [valid, test])
    if (d && d.multiLabel !== multi)
      throw new Bert4tfjsError(
        `${d.path}: is ${d.multiLabel ? 'multi' : 'single'}-label but ${o.train} is not`,
        'bad-input',
      );
  const names = [...new Set(train.examples.flatMap((e) => [...e.labels.keys()]))].sort();
  if (names.length < 2)
    throw new Bert4tfjsError(`${o.train}: needs at least 2 labels, found ${names.length}`, 'bad-input');
  if (multi)
    rejectControls(c, {
      labelSmoothing: 'multi-label ZLPR has no softmax to smooth; give soft {"label": p} targets instead',
      classWeights: 'multi-label ZLPR has no class weights',
      logitAdjust: 'logit adjustment corrects softmax priors; multi-label ZLPR has none',
    });
  if (loss === 'focal' && (multi || c.labelSmoothing > 0 || c.logitAdjust !== null))
    throw new Bert4tfjsError(
      '--loss focal is a single-label loss without label smoothing or logit adjustment',
      'bad-argument',
    );
  const targets = (d: ClassifyDataset) => targetsOf(d.examples, names, d.path);
  const [trainT, validT, testT] = [targets(train), targets(valid), test ? targets(test) : null];

  const tokenizer = o.model
    ? loadTokenizerFromDir(o.model, {})
    : new Tokenizer(
        buildVocab(
          train.examples.map((e) => e.text),
          {},
        ),
        {},
      );
  const seed = c.seed;
  const net = buildMatchingNetwork(
    o.model
      ? { kind: 'pretrained', dir: o.model, seed }
      : { kind: 'scratch', config: o.config!, vocabSize: tokenizer.vocabSize, seed },
    'cross-encoder',
    'binary',
    names.length,
  );
  const built = net.built;
  let opt: BuiltOptimizer | null = null;
  try {
    const encode = (d: ClassifyDataset, t: number[][]): Row[] =>
      d.examples.map((e, i) => {
        const x = tokenizer.encode(e.text, undefined, { maxLength });
        return { seq: { ids: x.inputIds, types: x.tokenTypeIds }, target: t[i] };
      });
    const rows = {
      train: encode(train, trainT),
      valid: encode(valid, validT),
      test: test ? encode(test, testT!) : null,
    };
    const gen = new DataGenerator(rows.train, {
      batchSize,
      seed,
      bucketBy: (r: Row) => r.seq.ids.length,
      collate: (ex: Row[]) => {
        const arrays = padSequences(ex.map((r) => r.seq));
        return toTensorBatch(
          { ...arrays, labels: ex.map((r) => r.target) },
          { input_ids: 'int32', token_type_ids: 'int32', attention_mask: 'float32', labels: 'float32' },
        );
      },
    });
    const totalSteps = epochs * gen.stepsPerEpoch;
    opt = buildOptimizer(c, lr, totalSteps);
    const counts = names.map((_, k) => trainT.reduce((s, t) => s + t[k], 0));
    const priors = counts.map((n) => Math.max(n, 1e-6) / trainT.length);
    const weights =
      c.classWeights === 'balanced'
        ? counts.map((n) => trainT.length / (names.length * Math.max(n, 1)))
        : c.classWeights;
    if (Array.isArray(weights) && weights.length !== names.length)
      throw new Bert4tfjsError(
        `--class-weights: ${names.length} labels (${names.join(', ')}), got ${weights.length} weights`,
        'bad-argument',
      );
    const logitsAt = built.outputNames.indexOf('logits');
    const hiddenAt = built.outputNames.indexOf('last_hidden_state');
    const lossOf = (logits: tf.Tensor, y: tf.Tensor): tf.Scalar => {
      if (multi) return multilabelCategoricalCrossentropy(y, logits);
      if (loss === 'focal')
        return focalLoss(y, logits, {
          sparse: false,
          gamma: o.focalGamma ?? 2,
          ...(weights ? { alpha: weights } : {}),
        });
      if (weights) return focalLoss(y, logits, { sparse: false, gamma: 0, alpha: weights });
      if (c.logitAdjust !== null)
        return logitAdjustedCrossEntropy(y, logits, {
          sparse: false,
          priors,
          tau: c.logitAdjust,
          labelSmoothing: c.labelSmoothing,
        });
      return crossEntropy(y, logits, { sparse: false, labelSmoothing: c.labelSmoothing });
    };
    const trainer = new Trainer({
      model: built.model,
      inputs: ['input_ids', 'token_type_ids', 'attention_mask'],
      loss: (outputs, batch) => {
        const k = c.multiSampleDropout;
        if (k <= 1) return lossOf(outputs[logitsAt], batch.labels);
        // The mean loss over k dropout samples of the classifier input (the forward runs once).
        const samples = multiSampleLogits(built, outputs[hiddenAt], k).map((l) => lossOf(l, batch.labels));
        return tf.div(tf.addN(samples), k) as tf.Scalar;
      },
      optimizer: opt.optimizer,
      progress: o.progress ?? false,
      ...trainerControlOptions(c),
    });
    const logitsOf = (rs: Row[]): number[][] => {
      const out: number[][] = [];
      for (let s = 0; s < rs.length; s += 64) {
        const arrays = padSequences(rs.slice(s, s + 64).map((r) => r.seq));
        const l = tf.tidy(() => {
          const all = built.model.predict([
            tf.tensor2d(arrays.input_ids, undefined, 'int32'),
            tf.tensor2d(arrays.token_type_ids, undefined, 'int32'),
            tf.tensor2d(arrays.attention_mask, undefined, 'float32'),
          ]) as tf.Tensor[];
          return all[logitsAt];
        });
        out.push(...(l.arraySync() as number[][]));
        l.dispose();
      }
      return out;
    };
    const metricName = multi ? 'micro_f1' : 'accuracy';
    const monitor = `valid_${metricName}`;
    const evalEvery = Math.max(1, Math.floor(gen.stepsPerEpoch / evalsPerEpoch));
    const state = stateDirFor(o.out);
    const options = { epochs, batchSize, maxLength, lr, evalsPerEpoch, loss, ...c };
    const { resume: _r, ...recorded } = options;
    openStateDir(
      state,
      { task: 'classify', train: o.train, model: o.model ?? null, config: o.config ?? null, ...recorded },
      {
        resume: c.resume,
        force: o.force ?? false,
      },
    );
    const t0 = performance.now();
    const outcome = await fitWithControls({
      trainer,
      gen,
      controls: c,
      optimizer: opt,
      state,
      epochs,
      evalEvery,
      monitor,
      validMetric: () => classifyMetrics(logitsOf(rows.valid), validT, names, multi)[metricName],
      onEvaluation: (step, value) =>
        o.progressLine?.(`train-classify: step ${step}/${totalSteps}: ${monitor} ${value.toFixed(4)}`),
    });
    const { fit } = outcome;
    const trainSeconds = (performance.now() - t0) / 1000;
    const saved = keepChosenWeights(trainer, outcome, c, opt);
    const validLogits = logitsOf(rows.valid);
    const validM = classifyMetrics(validLogits, validT, names, multi);
    const testLogits = rows.test ? logitsOf(rows.test) : null;
    const testM = testLogits ? classifyMetrics(testLogits, testT!, names, multi) : null;
    // Majority baseline: always predict the most frequent training label (exact-match accuracy).
    const top = counts.indexOf(Math.max(...counts));
    const always = (t: number[][]) =>
      classifyMetrics(
        t.map(() => names.map((_, k) => (k === top ? 1 : -1))),
        t,
        names,
        multi,
      ).accuracy;
    const strip = ({ perClass: _p, ...m }: ClassifyMetrics) => m;
    const summary: TrainClassifySummary = {
      task: multi ? 'multi-label' : 'single-label',
      labels: names,
      init: o.model ? `pretrained ${o.model}` : `scratch ${o.config}`,
      options,
      steps: fit.step,
      stopped: fit.message,
      saved,
      resumedFrom: fit.resumedFrom,
      trainSeconds,
      valid: strip(validM),
      test: testM ? strip(testM) : null,
      perClass: (testM ?? validM).perClass,
      baselines: { majority: { valid: always(validT), test: testT ? always(testT) : null } },
    };
    const preds = (d: ClassifyDataset, logits: number[][]) =>
      d.examples.map((e, i) => ({
        line: e.line,
        text: e.text,
        gold: Object.fromEntries(e.labels),
        predicted: names.filter((_, k) => decisions([logits[i]], multi)[0][k] === 1),
        logits: logits[i],
      }));
    await writeRunDir(
      o.out,
      {
        built,
        tokenizer,
        extraConfig: {
          architectures: ['BertForSequenceClassification'],
          num_labels: names.length,
          problem_type: multi ? 'multi_label_classification' : 'single_label_classification',
          id2label: Object.fromEntries(names.map((n, i) => [String(i), n])),
          label2id: Object.fromEntries(names.map((n, i) => [n, i])),
        },
        tokenizerConfig: {
          tokenizer_class: 'BertTokenizer',
          do_lower_case: tokenizer.lowercase,
          model_max_length: maxLength,
        },
        embeddingConfig: { task: summary.task, pooling: 'cls', max_length: maxLength },
        metricsLog: state.metrics,
        extraMetrics: [
          { event: 'final', split: 'valid', step: fit.step, saved, metrics: validM },
          ...(testM ? [{ event: 'final', split: 'test', step: fit.step, saved, metrics: testM }] : []),
        ],
        predictions: {
          valid: preds(valid, validLogits),
          ...(test && testLogits ? { test: preds(test, testLogits) } : {}),
        },
        summary: summary as unknown as Record<string, unknown>,
        curves: runCurves(fit.history, fit.evaluations),
        curvesTitle: `${summary.task} classification (${summary.init}): loss and ${monitor}`,
      },
      o.force ?? false,
    );
    removeStateDir(state);
    log(
      `trained ${fit.step} steps in ${trainSeconds.toFixed(1)} s; saved the ${saved.which} weights (step ${saved.step})`,
    );
    for (const [split, m] of [
      ['valid', validM],
      ['test', testM],
    ] as const)
      if (m)
        log(
          `${split}: accuracy ${m.accuracy.toFixed(4)}  macro_f1 ${m.macro_f1.toFixed(4)}  micro_f1 ${m.micro_f1.toFixed(4)}`,
        );
    log(`baseline majority label (${names[top]}): valid accuracy ${summary.baselines.majority.valid.toFixed(4)}`);
    for (const r of summary.perClass)
      log(
        `  ${r.label.padEnd(12)} P ${r.precision.toFixed(3)}  R ${r.recall.toFixed(3)}  F1 ${r.f1.toFixed(3)}  n ${r.support}`,
      );
    return summary;
  } finally {
    opt?.optimizer.dispose();
    built.model.dispose();
  }
}
