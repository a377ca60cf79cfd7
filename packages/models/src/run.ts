/**
 * Running a built model on Hugging Face-named integer inputs, with the checks that turn bad input into a
 * clear message instead of a failure deep inside tfjs.
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '@bert4tfjs/core';
import type { TransformerModel } from './family.ts';

/** Integer inputs by Hugging Face name (`input_ids`, `attention_mask`, `token_type_ids`, `decoder_input_ids`, ...). */
export type ModelInputs = Record<string, number[][] | tf.Tensor>;

function vocabSizeOf(built: TransformerModel): number | null {
  const layer = built.model.layers.find((l) => l.name === 'Embedding-Token');
  const w = layer?.weights[0];
  return w ? (w.shape[0] as number) : null;
}

function toMatrix(name: string, value: unknown): number[][] {
  const v = value instanceof tf.Tensor ? (value.arraySync() as unknown) : value;
  if (!Array.isArray(v) || v.some((row) => !Array.isArray(row))) {
    throw new Bert4tfjsError(`input '${name}' must be a list of lists of integers`, 'bad-input');
  }
  (v as unknown[][]).forEach((row, i) =>
    row.forEach((x, j) => {
      if (!Number.isInteger(x))
        throw new Bert4tfjsError(`input '${name}'[${i}][${j}] = ${JSON.stringify(x)} is not an integer`, 'bad-input');
    }),
  );
  return v as number[][];
}

/** Float inputs with their own width (e.g. the condition vector of a conditional-LayerNorm model). */
const FREE_FLOAT_INPUTS = new Set(['condition']);

/** The id input that fixes the shape of `name`: decoder_* inputs follow decoder_input_ids, others input_ids. */
function anchorOf(name: string): string {
  return name.startsWith('decoder_') ? 'decoder_input_ids' : 'input_ids';
}

/**
 * Runs the model's forward pass in inference mode and returns its outputs by name. A missing
 * `*attention_mask` defaults to all ones and `token_type_ids` to zeros. The caller disposes the outputs.
 */
export function runModel(built: TransformerModel, inputs: ModelInputs): Record<string, tf.Tensor> {
  const extra = Object.keys(inputs).filter((k) => !built.inputNames.includes(k));
  if (extra.length) {
    throw new Bert4tfjsError(
      `unknown input(s) ${extra.join(', ')} for a ${built.family} model (expects ${built.inputNames.join(', ')})`,
      'bad-input',
    );
  }
  const matrices = new Map<string, number[][]>();
  const vocab = vocabSizeOf(built);
  for (const anchor of ['input_ids', 'decoder_input_ids'].filter((n) => built.inputNames.includes(n))) {
    if (inputs[anchor] === undefined) {
      throw new Bert4tfjsError(
        `inputs have no '${anchor}' (got ${Object.keys(inputs).join(', ') || 'nothing'})`,
        'bad-input',
      );
    }
    const ids = toMatrix(anchor, inputs[anchor]);
    if (ids.length === 0 || ids[0].length === 0) throw new Bert4tfjsError(`input '${anchor}' is empty`, 'bad-input');
    ids.forEach((row, i) => {
      if (row.length !== ids[0].length) {
        throw new Bert4tfjsError(
          `input '${anchor}' row ${i} has length ${row.length}, row 0 has ${ids[0].length} (pad every row to the same length)`,
          'bad-input',
        );
      }
      if (vocab !== null)
        row.forEach((v, j) => {
          if (v < 0 || v >= vocab)
            throw new Bert4tfjsError(
              `${anchor}[${i}][${j}] = ${v} is outside the vocabulary [0, ${vocab})`,
              'bad-input',
            );
        });
    });
    matrices.set(anchor, ids);
  }
  const batch = matrices.get('input_ids')?.length ?? [...matrices.values()][0]?.length ?? 0;
  for (const name of built.inputNames) {
    if (matrices.has(name)) continue;
    if (FREE_FLOAT_INPUTS.has(name)) {
      const v = inputs[name];
      const m = v instanceof tf.Tensor ? (v.arraySync() as number[][]) : (v as number[][] | undefined);
      if (
        !Array.isArray(m) ||
        m.some((row) => !Array.isArray(row) || row.length !== m[0].length || row.some((x) => !Number.isFinite(x)))
      ) {
        throw new Bert4tfjsError(`input '${name}' must be a [batch, width] matrix of numbers`, 'bad-input');
      }
      matrices.set(name, m);
      continue;
    }
    const anchor = matrices.get(anchorOf(name));
    if (!anchor)
      throw new Bert4tfjsError(`input '${name}' has no '${anchorOf(name)}' to take its shape from`, 'bad-input');
    const fill = name.endsWith('attention_mask') ? 1 : 0;
    const m = inputs[name] === undefined ? anchor.map((row) => row.map(() => fill)) : toMatrix(name, inputs[name]);
    if (m.length !== anchor.length || m.some((row, i) => row.length !== anchor[i].length)) {
      throw new Bert4tfjsError(
        `input '${name}' must have the shape of '${anchorOf(name)}' [${anchor.length}, ${anchor[0].length}]`,
        'bad-input',
      );
    }
    matrices.set(name, m);
  }
  for (const [name, m] of matrices) {
    if (m.length !== batch)
      throw new Bert4tfjsError(`input '${name}' has ${m.length} rows, expected batch ${batch}`, 'bad-input');
  }
  return tf.tidy(() => {
    const feeds = built.inputNames.map((name) => {
      const m = matrices.get(name)!;
      const float = name.endsWith('attention_mask') || FREE_FLOAT_INPUTS.has(name);
      return tf.tensor2d(m, [m.length, m[0].length], float ? 'float32' : 'int32');
    });
    const out = built.model.predict(feeds) as tf.Tensor | tf.Tensor[];
    const list = Array.isArray(out) ? out : [out];
    return Object.fromEntries(built.outputNames.map((n, i) => [n, list[i]]));
  });
}
