/**
 * The network a matching run trains: a BERT from a converted checkpoint (`--model DIR`) or from scratch
 * (`--config NAME`), with a sequence-classification head for the cross-encoder (2 labels on binary data,
 * 1 — a regression head — on graded data) and no head for the bi-encoder (mean pooling happens in the loss).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError, mixSeeds, readSafetensors, withSeededRandom } from '@bert4tfjs/core';
import {
  buildTransformerModel,
  findWeight,
  loadMappedWeights,
  readConfigFile,
  type TransformerModel,
} from '@bert4tfjs/models';
import type { LabelSchema } from '../data/matching-files.ts';
import { scratchBertConfig } from './configs.ts';
import { isCrossEncoder, type MatchingObjective } from './encode.ts';

/** The encoder families a matching model may start from (BERT-style inputs and heads). */
const ENCODER_NAMES = ['bert', 'wobert', 'roberta-wwm', 'albert', 'albert_unshared'];

/** Where the weights come from. */
export type ModelSource =
  | { kind: 'pretrained'; dir: string; seed: number }
  | { kind: 'scratch'; config: string; vocabSize: number; seed: number };

/** A built matching network. */
export interface MatchingNetwork {
  built: TransformerModel;
  /** Classifier size (0 for a bi-encoder). */
  numLabels: number;
  /** Keys added to config.json when saving (Hugging Face task-model keys). */
  extraConfig: Record<string, unknown>;
  /** What was freshly initialised rather than loaded (head layers), for the report. */
  freshLayers: string[];
}

/**
 * Classifier size for an objective and label schema: 2 classes on binary data, 1 (regression) on graded;
 * 1 (a ranking score) for the CoSENT cross-encoder; none for the bi-encoders.
 */
export function numLabelsFor(objective: MatchingObjective, schema: LabelSchema): number {
  if (objective === 'cross-encoder-cosent') return 1;
  return objective === 'cross-encoder' ? (schema === 'binary' ? 2 : 1) : 0;
}

/**
 * Re-draws every randomly initialised weight (those that are not constant, i.e. not biases or LayerNorm
 * gains) from a truncated normal(0, range) with a seed derived from `seed`, so scratch runs repeat.
 */
export function seedRandomWeights(model: tf.LayersModel, seed: number, range: number): void {
  model.weights.forEach((w, i) => {
    tf.tidy(() => {
      const v = w.read();
      const spread = tf.sub(tf.max(v), tf.min(v)).dataSync()[0];
      if (spread > 0) w.write(tf.truncatedNormal(v.shape, 0, range, 'float32', seed * 7919 + i));
    });
  });
}

/** Builds (and for a pretrained source, loads) the network for `objective` on `schema` data. */
export function buildMatchingNetwork(
  source: ModelSource,
  objective: MatchingObjective,
  schema: LabelSchema,
  /** A classifier of this many labels instead of the objective's (train-classify). */
  numLabelsOverride?: number,
): MatchingNetwork {
  const numLabels = numLabelsOverride ?? numLabelsFor(objective, schema);
  const archOf = (name: string) => (name.startsWith('albert') ? 'Albert' : 'Bert');
  const extraConfigFor = (name: string): Record<string, unknown> =>
    isCrossEncoder(objective)
      ? {
          architectures: [`${archOf(name)}ForSequenceClassification`],
          num_labels: numLabels,
          problem_type: numLabels === 1 ? 'regression' : 'single_label_classification',
        }
      : { architectures: [`${archOf(name)}Model`] };
  if (source.kind === 'scratch') {
    const config = scratchBertConfig(source.config, source.vocabSize);
    const built = buildTransformerModel({ model: 'bert', config, numLabels: numLabels || null });
    seedRandomWeights(built.model, source.seed, 0.02);
    return { built, numLabels, extraConfig: extraConfigFor('bert'), freshLayers: ['all'] };
  }
  const dir = source.dir;
  const configPath = join(dir, 'config.json');
  const weights = join(dir, 'model.safetensors');
  if (!existsSync(dir)) throw new Bert4tfjsError(`--model: directory not found: ${dir}`, 'missing-file');
  if (!existsSync(configPath)) throw new Bert4tfjsError(`--model: ${dir} has no config.json`, 'missing-file');
  if (!existsSync(weights)) throw new Bert4tfjsError(`--model: ${dir} has no model.safetensors`, 'missing-file');
  const raw = readConfigFile(configPath);
  const name = typeof raw.model_type === 'string' ? raw.model_type : 'bert';
  if (!ENCODER_NAMES.includes(name)) {
    throw new Bert4tfjsError(
      `--model: ${configPath} has model_type '${name}'; train-matching fine-tunes encoder checkpoints (${ENCODER_NAMES.join(', ')})`,
      'bad-argument',
    );
  }
  // Fresh head weights draw from Math.random-seeded initializers: seed them so --seed repeats a run.
  const built = withSeededRandom(mixSeeds(source.seed, 1), () =>
    buildTransformerModel({ model: name, config: raw, numLabels: numLabels || null }),
  );
  const tensors = readSafetensors(weights);
  // Head layers (pooler, classifier) load when the checkpoint has them with the right shape, else start fresh.
  const fresh = new Set<string>();
  const headLayers = new Set(['Pooler-Dense', 'Classifier']);
  for (const m of built.weightMap) {
    if (!headLayers.has(m.layer)) continue;
    const bare = m.source.startsWith(built.prefix) ? m.source.slice(built.prefix.length) : m.source;
    const t = tensors.get(m.source) ?? tensors.get(bare);
    const variable = findWeight(built.model, m.layer, m.weight);
    const expected = m.transforms?.some((x) => x.kind === 'transpose') ? [...variable.shape].reverse() : variable.shape;
    const ok = t !== undefined && t.shape.length === expected.length && t.shape.every((d, i) => d === expected[i]);
    if (!ok) fresh.add(m.layer);
  }
  const mappings = built.weightMap.filter((m) => !fresh.has(m.layer));
  loadMappedWeights(built.model, mappings, tensors, { prefix: built.prefix, source: weights });
  return { built, numLabels, extraConfig: extraConfigFor(name), freshLayers: [...fresh] };
}
