/**
 * Running a built model on Hugging Face-named integer inputs, with the checks that turn bad input into a
 * clear message instead of a failure deep inside tfjs.
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '@bert4tfjs/core';
import type { TransformerModel } from './build.ts';

/** Integer inputs by Hugging Face name (`input_ids`, `attention_mask`, `token_type_ids`, ...). */
export type ModelInputs = Record<string, number[][] | tf.Tensor>;

function vocabSizeOf(built: TransformerModel): number | null {
  const layer = built.model.layers.find((l) => l.name === 'Embedding-Token');
  const w = layer?.weights[0];
  return w ? (w.shape[0] as number) : null;
}

function toMatrix(name: string, value: number[][], batch: number | null, length: number | null): number[][] {
  if (!Array.isArray(value) || value.some((row) => !Array.isArray(row))) {
    throw new Bert4tfjsError(`input '${name}' must be a list of lists of integers`, 'bad-input');
  }
  if (batch !== null && value.length !== batch) {
    throw new Bert4tfjsError(`input '${name}' has ${value.length} rows, input_ids has ${batch}`, 'bad-input');
  }
  value.forEach((row, i) => {
    if (length !== null && row.length !== length) {
      throw new Bert4tfjsError(`input '${name}' row ${i} has length ${row.length}, expected ${length} (pad every row to the same length)`, 'bad-input');
    }
    row.forEach((v, j) => {
      if (!Number.isInteger(v)) throw new Bert4tfjsError(`input '${name}'[${i}][${j}] = ${JSON.stringify(v)} is not an integer`, 'bad-input');
    });
  });
  return value;
}

/**
 * Runs the model's forward pass in inference mode and returns its outputs by name. Missing
 * `attention_mask` defaults to all ones and `token_type_ids` to zeros. The caller disposes the outputs.
 */
export function runModel(built: TransformerModel, inputs: ModelInputs): Record<string, tf.Tensor> {
  const idsIn = inputs.input_ids;
  if (idsIn === undefined) throw new Bert4tfjsError(`inputs have no 'input_ids' (got ${Object.keys(inputs).join(', ') || 'nothing'})`, 'bad-input');
  const ids = idsIn instanceof tf.Tensor ? (idsIn.arraySync() as number[][]) : toMatrix('input_ids', idsIn, null, null);
  const batch = ids.length;
  if (batch === 0) throw new Bert4tfjsError(`input 'input_ids' is empty`, 'bad-input');
  const length = ids[0].length;
  toMatrix('input_ids', ids, batch, length);
  const vocab = vocabSizeOf(built);
  if (vocab !== null) {
    ids.forEach((row, i) => row.forEach((v, j) => {
      if (v < 0 || v >= vocab) throw new Bert4tfjsError(`input_ids[${i}][${j}] = ${v} is outside the vocabulary [0, ${vocab})`, 'bad-input');
    }));
  }
  const get = (name: string, fill: number): number[][] => {
    const v = inputs[name];
    if (v === undefined) return ids.map((row) => row.map(() => fill));
    return toMatrix(name, v instanceof tf.Tensor ? (v.arraySync() as number[][]) : v, batch, length);
  };
  const extra = Object.keys(inputs).filter((k) => !built.inputNames.includes(k));
  if (extra.length) throw new Bert4tfjsError(`unknown input(s) ${extra.join(', ')} for a ${built.family} model (expects ${built.inputNames.join(', ')})`, 'bad-input');
  return tf.tidy(() => {
    const feeds = built.inputNames.map((name) => {
      if (name === 'input_ids') return tf.tensor2d(ids, [batch, length], 'int32');
      if (name.endsWith('attention_mask')) return tf.tensor2d(get(name, 1), [batch, length], 'float32');
      return tf.tensor2d(get(name, 0), [batch, length], 'int32');
    });
    const out = built.model.predict(feeds) as tf.Tensor | tf.Tensor[];
    const list = Array.isArray(out) ? out : [out];
    return Object.fromEntries(built.outputNames.map((n, i) => [n, list[i]]));
  });
}
