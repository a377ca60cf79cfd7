/**
 * `trainNer`: named-entity recognition from span or BIO JSONL to a finished output directory, with the
 * shared training controls, state directory (--resume), best-weights keeping and run outputs of
 * train-classify. Each input unit (a character of a span row's text, a token of a BIO row) is one model
 * token (its first word piece), so predicted token positions map straight back to character offsets.
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError, DataGenerator, mixSeeds, toTensorBatch, Trainer, withSeededRandom } from '@bert4tfjs/core';
import { Tokenizer } from '@bert4tfjs/tokenizers';
import { padSequences, type EncodedSeq } from '../matching/encode.ts';
import { buildMatchingNetwork } from '../matching/model.ts';
import { checkOutDir, writeRunDir } from '../matching/output.ts';
import { runCurves } from '../matching/report.ts';
import { buildVocab } from '../matching/vocab-builder.ts';
import { loadTokenizerFromDir } from '../pipeline/load.ts';
import { defaultTrainingControls, rejectControls, type TrainingControls } from '../training/controls.ts';
import { fitWithControls, keepChosenWeights, trainerControlOptions } from '../training/fit.ts';
import { buildOptimizer, type BuiltOptimizer } from '../training/optimizer.ts';
import { openStateDir, removeStateDir, stateDirFor } from '../training/state-dir.ts';
import { readNerFile, type EntitySpan, type NerDataset, type NerExample } from './data.ts';
import { baselineSpans } from './baselines.ts';
import { buildNerNetwork, NER_HEADS, type NerHead } from './heads.ts';
import { entityMetrics, type EntityMetrics } from './metrics.ts';

/** Options of {@link trainNer} (the flags of `train-ner`). */
export interface TrainNerOptions {
  train: string;
  valid: string;
  test?: string;
  model?: string;
  config?: string;
  head: string;
  /** GlobalPointer span-vector size. */
  headSize?: number;
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

/** summary.json of a NER run. */
export interface TrainNerSummary {
  task: 'ner';
  head: NerHead;
  format: 'spans' | 'bio';
  types: string[];
  init: string;
  options: Record<string, unknown>;
  steps: number;
  stopped: string;
  saved: { which: 'best' | 'last'; step: number; metric: number | null };
  resumedFrom: number;
  trainSeconds: number;
  valid: EntityMetrics;
  test: EntityMetrics | null;
  /** Entity F1 of rules on the evaluated split (test, else valid): see baselines.ts. */
  baselines: Record<string, number>;
}

interface Row {
  seq: EncodedSeq;
  example: NerExample;
}

/** Runs one NER job end to end. */
export async function trainNer(o: TrainNerOptions): Promise<TrainNerSummary> {
  const log = o.log ?? (() => {});
  if (!(NER_HEADS as readonly string[]).includes(o.head))
    throw new Bert4tfjsError(`--head must be one of ${NER_HEADS.join(', ')}, got '${o.head}'`, 'bad-argument');
  const head = o.head as NerHead;
  if ((o.model === undefined) === (o.config === undefined))
    throw new Bert4tfjsError(
      'give either --model DIR (a converted checkpoint) or --config NAME (from scratch)',
      'bad-argument',
    );
  if (!o.out) throw new Bert4tfjsError('--out DIR is required', 'bad-argument');
  checkOutDir(o.out, o.force ?? false);
  const c = defaultTrainingControls(o.controls);
  rejectControls(c, {
    labelSmoothing: 'NER losses (CRF, GlobalPointer) have no softmax to smooth',
    multiSampleDropout: 'not offered by train-ner',
    classWeights: 'NER losses have no class weights',
    logitAdjust: 'logit adjustment corrects softmax priors; NER losses have none',
  });
  const headSize = o.headSize ?? 32;
  if (head !== 'crf' && headSize % 2 !== 0)
    throw new Bert4tfjsError(`--head-size must be even (RoPE pairs units), got ${headSize}`, 'bad-argument');
  const [epochs, batchSize, maxLength, evalsPerEpoch] = [
    o.epochs ?? 3,
    o.batchSize ?? 32,
    o.maxLength ?? 128,
    o.evalsPerEpoch ?? 2,
  ];
  const lr = o.lr ?? (o.model ? 3e-5 : 5e-4);
  const train = readNerFile(o.train);
  const valid = readNerFile(o.valid);
  const test = o.test ? readNerFile(o.test) : null;
  const types = [...new Set(train.examples.flatMap((e) => e.entities.map((s) => s.type)))].sort();
  if (types.length === 0) throw new Bert4tfjsError(`${o.train}: has no entities to learn`, 'bad-input');
  for (const d of [valid, test])
    for (const e of d?.examples ?? [])
      for (const s of e.entities)
        if (!types.includes(s.type))
          throw new Bert4tfjsError(
            `${d!.path}:${e.line}: entity type '${s.type}' never occurs in ${o.train} (types: ${types.join(', ')})`,
            'bad-input',
          );

  const tokenizer = o.model
    ? loadTokenizerFromDir(o.model, {})
    : new Tokenizer(
        buildVocab(
          train.examples.map((e) => e.units.join(' ')),
          {},
        ),
        {},
      );
  const seed = c.seed;
  const base = buildMatchingNetwork(
    o.model
      ? { kind: 'pretrained', dir: o.model, seed }
      : { kind: 'scratch', config: o.config!, vocabSize: tokenizer.vocabSize, seed },
    'cosent',
    'binary',
    0,
  ).built;
  // Fresh head weights draw from Math.random-seeded initializers: seed them so --seed repeats a run.
  const net = withSeededRandom(mixSeeds(seed, 2), () => buildNerNetwork(base, head, types, headSize));
  const built = net.built;
  let opt: BuiltOptimizer | null = null;
  try {
    const room = maxLength - 2;
    const idOf = (unit: string) => {
      const piece = tokenizer.tokenize(unit)[0];
      return piece === undefined ? tokenizer.unkTokenId : tokenizer.tokenToId(piece);
    };
    const encode = (d: NerDataset): Row[] =>
      d.examples.map((e) => {
        const ids = [tokenizer.clsTokenId, ...e.units.slice(0, room).map(idOf), tokenizer.sepTokenId];
        return { seq: { ids, types: ids.map(() => 0) }, example: e };
      });
    const rows = { train: encode(train), valid: encode(valid), test: test ? encode(test) : null };
    const visible = (r: Row) => Math.min(r.example.units.length, room);
    const gen = new DataGenerator(rows.train, {
      batchSize,
      seed,
      bucketBy: (r: Row) => r.seq.ids.length,
      collate: (ex: Row[]) => {
        const arrays = padSequences(ex.map((r) => r.seq));
        const length = arrays.input_ids[0].length;
        const labels = ex.map((r) =>
          net.target(
            r.example.entities.filter((s) => s.end <= visible(r)),
            length,
          ),
        );
        return toTensorBatch(
          { ...arrays, labels: labels as number[][] },
          {
            input_ids: 'int32',
            token_type_ids: 'int32',
            attention_mask: 'float32',
            labels: head === 'crf' ? 'int32' : 'float32',
          },
        );
      },
    });
    const totalSteps = epochs * gen.stepsPerEpoch;
    opt = buildOptimizer(c, lr, totalSteps);
    const trainer = new Trainer({
      model: built.model,
      inputs: ['input_ids', 'token_type_ids', 'attention_mask'],
      loss: (outputs, batch) => net.loss(outputs[0], batch.labels),
      optimizer: opt.optimizer,
      progress: o.progress ?? false,
      ...trainerControlOptions(c),
    });
    const predict = (rs: Row[]): EntitySpan[][] => {
      const out: EntitySpan[][] = [];
      for (let s = 0; s < rs.length; s += 32) {
        const part = rs.slice(s, s + 32);
        const arrays = padSequences(part.map((r) => r.seq));
        const scores = tf.tidy(
          () =>
            built.model.predict([
              tf.tensor2d(arrays.input_ids, undefined, 'int32'),
              tf.tensor2d(arrays.token_type_ids, undefined, 'int32'),
              tf.tensor2d(arrays.attention_mask, undefined, 'float32'),
            ]) as tf.Tensor,
        );
        try {
          out.push(...net.decode(scores, part.map(visible)));
        } finally {
          scores.dispose();
        }
      }
      return out;
    };
    const gold = (rs: Row[]) => rs.map((r) => r.example.entities);
    const monitor = 'valid_f1';
    const evalEvery = Math.max(1, Math.floor(gen.stepsPerEpoch / evalsPerEpoch));
    const state = stateDirFor(o.out);
    const options = { head, headSize, epochs, batchSize, maxLength, lr, evalsPerEpoch, ...c };
    const { resume: _r, ...recorded } = options;
    openStateDir(
      state,
      { task: 'ner', train: o.train, model: o.model ?? null, config: o.config ?? null, ...recorded },
      { resume: c.resume, force: o.force ?? false },
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
      validMetric: () => entityMetrics(predict(rows.valid), gold(rows.valid)).f1,
      onEvaluation: (step, value) =>
        o.progressLine?.(`train-ner: step ${step}/${totalSteps}: ${monitor} ${value.toFixed(4)}`),
    });
    const { fit } = outcome;
    const trainSeconds = (performance.now() - t0) / 1000;
    const saved = keepChosenWeights(trainer, outcome, c, opt);
    const validPred = predict(rows.valid);
    const validM = entityMetrics(validPred, gold(rows.valid));
    const testPred = rows.test ? predict(rows.test) : null;
    const testM = testPred ? entityMetrics(testPred, gold(rows.test!)) : null;
    const evaluated = test ?? valid;
    const baselines = Object.fromEntries(
      Object.entries(baselineSpans(train.examples, evaluated.examples)).map(([name, spans]) => [
        name,
        entityMetrics(
          spans,
          evaluated.examples.map((e) => e.entities),
        ).f1,
      ]),
    );
    const summary: TrainNerSummary = {
      task: 'ner',
      head,
      format: train.format,
      types,
      init: o.model ? `pretrained ${o.model}` : `scratch ${o.config}`,
      options,
      steps: fit.step,
      stopped: fit.message,
      saved,
      resumedFrom: fit.resumedFrom,
      trainSeconds,
      valid: validM,
      test: testM,
      baselines,
    };
    const preds = (d: NerDataset, predicted: EntitySpan[][]) =>
      d.examples.map((e, i) => {
        const withText = (s: EntitySpan) => ({
          ...s,
          text: e.units.slice(s.start, s.end).join(d.format === 'bio' ? ' ' : ''),
        });
        return {
          line: e.line,
          ...(d.format === 'spans' ? { text: e.units.join('') } : { tokens: e.units }),
          gold: e.entities.map(withText),
          predicted: predicted[i].map(withText),
        };
      });
    const tags = head === 'crf' ? net.labels : null;
    await writeRunDir(
      o.out,
      {
        built,
        tokenizer,
        extraConfig: tags
          ? {
              architectures: ['BertForTokenClassification'],
              num_labels: tags.length,
              id2label: Object.fromEntries(tags.map((n, i) => [String(i), n])),
              label2id: Object.fromEntries(tags.map((n, i) => [n, i])),
              bert4tfjs_ner_head: 'crf',
            }
          : {
              architectures: ['BertForGlobalPointer'],
              num_labels: types.length,
              id2label: Object.fromEntries(types.map((n, i) => [String(i), n])),
              label2id: Object.fromEntries(types.map((n, i) => [n, i])),
              bert4tfjs_ner_head: head,
              global_pointer_head_size: headSize,
            },
        tokenizerConfig: {
          tokenizer_class: 'BertTokenizer',
          do_lower_case: tokenizer.lowercase,
          model_max_length: maxLength,
        },
        embeddingConfig: { task: 'ner', head, max_length: maxLength },
        metricsLog: state.metrics,
        extraMetrics: [
          { event: 'final', split: 'valid', step: fit.step, saved, metrics: validM },
          ...(testM ? [{ event: 'final', split: 'test', step: fit.step, saved, metrics: testM }] : []),
        ],
        predictions: {
          valid: preds(valid, validPred),
          ...(test && testPred ? { test: preds(test, testPred) } : {}),
        },
        summary: summary as unknown as Record<string, unknown>,
        curves: runCurves(fit.history, fit.evaluations),
        curvesTitle: `NER ${head} (${summary.init}): loss and ${monitor}`,
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
          `${split}: entity precision ${m.precision.toFixed(4)}  recall ${m.recall.toFixed(4)}  f1 ${m.f1.toFixed(4)}  (${m.correct}/${m.gold} gold, ${m.predicted} predicted)`,
        );
    for (const [name, f1] of Object.entries(baselines)) log(`baseline ${name}: f1 ${f1.toFixed(4)}`);
    return summary;
  } finally {
    opt?.optimizer.dispose();
    built.model.dispose();
  }
}
