/**
 * A forward pass that also returns an encoder's internals, named as Hugging Face's `output_hidden_states`
 * / `output_attentions` name them: `hidden_states.0` (the encoder input) .. `hidden_states.N` and
 * `attentions.0` .. `attentions.N-1` ([B, heads, L, L]). Used by parity tests and by `bert4tfjs forward`
 * for the families that list their internal layers; attentions come from the core attention probe, so
 * only kernels that report to it (rotary, NEZHA relative) give them.
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError, recordAttentions } from '@bert4tfjs/core';
import type { TransformerModel } from './family.ts';
import { runModel, type ModelInputs } from './run.ts';

/** Where a built encoder's internals are: layer names, in order. */
export interface EncoderInternals {
  /** The layers whose outputs are hidden_states.0 .. hidden_states.N. */
  hiddenStateLayers: string[];
  /** The attention layers whose probabilities are attentions.0 .. attentions.N-1. */
  attentionLayers: string[];
}

/** The internals a family put on its build result (`internals`), or an error naming the family. */
export function encoderInternalsOf(built: TransformerModel): EncoderInternals {
  const internals = built.internals as EncoderInternals | undefined;
  if (!internals) {
    throw new Bert4tfjsError(`${built.family} models do not list their hidden states and attentions`, 'bad-argument');
  }
  return internals;
}

/** The model with the hidden-state layers as extra outputs, and which output each hidden state is. */
interface InternalsModel {
  model: tf.LayersModel;
  /** For hidden state i, its index among the model's outputs (a layer already an output is not repeated). */
  hiddenIndex: number[];
}

const internalModels = new WeakMap<tf.LayersModel, InternalsModel>();

function internalsModelOf(built: TransformerModel, hiddenStateLayers: string[]): InternalsModel {
  let im = internalModels.get(built.model);
  if (!im) {
    // One tensor listed twice as an output is freed too early by tfjs-layers' executor: list it once.
    const outputs = [...built.model.outputs];
    const hiddenIndex = hiddenStateLayers.map((n) => {
      const t = built.model.getLayer(n).output as tf.SymbolicTensor;
      const at = outputs.indexOf(t);
      if (at >= 0) return at;
      outputs.push(t);
      return outputs.length - 1;
    });
    im = { model: tf.model({ inputs: built.model.inputs, outputs }), hiddenIndex };
    internalModels.set(built.model, im);
  }
  return im;
}

/**
 * Runs `built` on `inputs` (as {@link runModel} does, with its input checks) and returns its outputs plus
 * `hidden_states.*` and `attentions.*`. The caller disposes every tensor.
 */
export function runWithInternals(built: TransformerModel, inputs: ModelInputs): Record<string, tf.Tensor> {
  const { hiddenStateLayers, attentionLayers } = encoderInternalsOf(built);
  const { model, hiddenIndex } = internalsModelOf(built, hiddenStateLayers);
  const names = model.outputs.map((_, i) => (i < built.outputNames.length ? built.outputNames[i] : `internal.${i}`));
  const { result: raw, attentions } = recordAttentions(() => runModel({ ...built, model, outputNames: names }, inputs));
  const result: Record<string, tf.Tensor> = {};
  for (let i = 0; i < built.outputNames.length; i++) result[names[i]] = raw[names[i]];
  hiddenIndex.forEach((at, i) => {
    const t = raw[names[at]];
    result[`hidden_states.${i}`] = at < built.outputNames.length ? t.clone() : t;
  });
  const missing = attentionLayers.filter((n) => !attentions.has(n));
  if (missing.length) {
    tf.dispose([...Object.values(result), ...attentions.values()]);
    throw new Bert4tfjsError(`no attention probabilities were recorded for ${missing.join(', ')}`, 'bad-argument');
  }
  attentionLayers.forEach((n, i) => {
    result[`attentions.${i}`] = attentions.get(n)!;
    attentions.delete(n);
  });
  tf.dispose([...attentions.values()]);
  return result;
}

/** The integer matrices of a forward inputs object; descriptive entries (a fixture's `texts`) are skipped. */
export function tensorInputs(inputs: Record<string, unknown>): ModelInputs {
  const out: ModelInputs = {};
  for (const [k, v] of Object.entries(inputs)) {
    const isMatrix =
      Array.isArray(v) && v.length > 0 && v.every((r) => Array.isArray(r) && r.every((x) => typeof x === 'number'));
    if (isMatrix) out[k] = v as number[][];
  }
  return out;
}
