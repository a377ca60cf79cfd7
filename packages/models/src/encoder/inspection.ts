/**
 * Inspection models: the training model's outputs plus the hidden states and attention probabilities
 * Hugging Face returns with `output_hidden_states` / `output_attentions`, over the same layers (so the
 * same weights). Families that build one expose it as `inspection` on the built model; `bert4tfjs
 * forward` runs it so a model directory's outputs can be compared tensor by tensor with Hugging Face's.
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '@bert4tfjs/core';
import type { TransformerModel } from '../family.ts';
import { runModel, type ModelInputs } from '../run.ts';

/** A model over the same layers with more outputs, and their names. */
export interface InspectionModel {
  model: tf.LayersModel;
  /** Names of `model`'s outputs, in order. */
  outputNames: string[];
  /** More names for outputs already in `outputNames` (`hidden_states.N` is `last_hidden_state`). */
  aliases: Record<string, string>;
}

/**
 * An inspection model over `inputs` with the named outputs. tfjs-layers takes each tensor once, so a
 * tensor named twice becomes an alias of its first name.
 */
export function makeInspectionModel(
  inputs: tf.SymbolicTensor[],
  named: Array<[string, tf.SymbolicTensor]>,
  name: string,
): InspectionModel {
  const first = new Map<tf.SymbolicTensor, string>();
  const aliases: Record<string, string> = {};
  for (const [n, t] of named) {
    const seen = first.get(t);
    if (seen) aliases[n] = seen;
    else first.set(t, n);
  }
  return { model: tf.model({ inputs, outputs: [...first.keys()], name }), outputNames: [...first.values()], aliases };
}

/** The inspection model of `built`, or an error naming the family when it has none. */
export function inspectionOf(built: TransformerModel): InspectionModel {
  const inspection = built.inspection as InspectionModel | undefined;
  if (!inspection) {
    throw new Bert4tfjsError(
      `the ${built.family} model has no inspection outputs (hidden states, attentions)`,
      'unsupported',
    );
  }
  return inspection;
}

/**
 * Runs the inspection model on `inputs`: entries that are integer matrices are model inputs (checked as
 * {@link runModel} checks them); others (a fixture's `texts`, notes) are descriptive and skipped.
 * The caller disposes the outputs.
 */
export function runInspection(built: TransformerModel, inputs: Record<string, unknown>): Record<string, tf.Tensor> {
  const feeds: ModelInputs = {};
  for (const [k, v] of Object.entries(inputs)) {
    if (v instanceof tf.Tensor) feeds[k] = v;
    else if (
      Array.isArray(v) &&
      v.length > 0 &&
      v.every((r) => Array.isArray(r) && r.every((x) => typeof x === 'number'))
    )
      feeds[k] = v as number[][];
  }
  const inspection = inspectionOf(built);
  const out = runModel({ ...built, model: inspection.model, outputNames: inspection.outputNames }, feeds);
  for (const [alias, of] of Object.entries(inspection.aliases)) out[alias] = tf.clone(out[of]);
  return out;
}
