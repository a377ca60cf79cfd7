/**
 * A tiny BERT fine-tuning task shared by the trainer tests and the kill-test child: the fixture BERT
 * (2 layers, hidden 32, dropout off, fixed weights) classifying pseudo-random token sequences of
 * varying lengths into 2 classes through its NSP logits.
 */
import { readFileSync } from 'node:fs';
import {
  DataGenerator,
  crossEntropy,
  sequencePadding,
  toTensorBatch,
  type TensorBatch,
  type TrainerOptions,
} from '@bert4tfjs/core';
import { buildTransformerModel, type TransformerModel } from '@bert4tfjs/models';
import { fixturePath } from '../helpers/paths.ts';

/** One example: token ids and a class. */
export interface Example {
  ids: number[];
  label: number;
}

/** `n` examples of 4..15 tokens, ids in [5, 380), from a fixed linear congruential generator. */
export function makeExamples(n: number): Example[] {
  let s = 2024;
  const rand = (k: number): number => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s % k;
  };
  return Array.from({ length: n }, () => {
    const len = 4 + rand(12);
    return { ids: [2, ...Array.from({ length: len - 2 }, () => 5 + rand(375)), 3], label: rand(2) };
  });
}

/** Pads a list of examples into a BERT batch. */
export function collate(xs: Example[]): TensorBatch {
  const ids = sequencePadding(xs.map((x) => x.ids));
  return toTensorBatch({
    input_ids: ids,
    token_type_ids: ids.map((r) => r.map(() => 0)),
    attention_mask: sequencePadding(xs.map((x) => x.ids.map(() => 1))),
    labels: xs.map((x) => x.label),
  });
}

/** A generator over `examples`, bucketed by length. */
export function makeGenerator(examples: Example[], batchSize: number, seed = 5): DataGenerator<Example, TensorBatch> {
  return new DataGenerator(examples, { batchSize, seed, bucketBy: (x) => x.ids.length, bucketWindow: 2, collate });
}

/** The fixture BERT with its weights and dropout off, so runs are deterministic. */
export function buildTinyBert(): TransformerModel {
  const config = JSON.parse(readFileSync(fixturePath('bert', 'config.json'), 'utf8')) as Record<string, unknown>;
  return buildTransformerModel({
    model: 'bert',
    config: { ...config, hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 },
    withPool: true,
    withNsp: true,
    checkpointPath: fixturePath('bert'),
  });
}

/** Cross-entropy of the NSP logits (the last output) against `labels`. */
export const nspLoss: NonNullable<TrainerOptions['loss']> = (outputs, batch) =>
  crossEntropy(batch.labels, outputs[outputs.length - 1]);

/** Every weight of the model, flattened, in model order. */
export function weightValues(built: TransformerModel): number[][] {
  return built.model.getWeights().map((w) => Array.from(w.dataSync()));
}
