/**
 * The weight-map contract. A family lists, for every weight of its layers, the Hugging Face tensor it
 * loads from and how (transpose for Linear weights, row selection for vocabulary surgery). Loading checks
 * the whole list first and reports every missing, mis-shaped and unexpected tensor in one message.
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError, rawToFloat32, type NamedTensors, type RawTensor } from '@bert4tfjs/core';

/** How a checkpoint tensor becomes a layer weight. */
export type WeightTransform =
  | { kind: 'transpose' }
  /** Keep these rows (in this order) of a [V, ...] tensor: vocabulary surgery (`keepTokens`). */
  | { kind: 'rows'; rows: number[] }
  /** Append rows, each the weighted mean of given source rows (`compoundTokens`). */
  | { kind: 'compound'; groups: Array<{ ids: number[]; weights?: number[] }> };

/** One entry of a family's weight map. */
export interface WeightMapping {
  /** Our layer's name, e.g. `Transformer-0-MultiHeadSelfAttention`. */
  layer: string;
  /** The weight's short name within the layer, e.g. `q_kernel`. */
  weight: string;
  /** The Hugging Face tensor name, e.g. `bert.encoder.layer.0.attention.self.query.weight`. */
  source: string;
  /** Applied in order to the checkpoint tensor. */
  transforms?: WeightTransform[];
  /**
   * A new head a pretrained checkpoint may lack (e.g. a classifier being fine-tuned): when the tensor is
   * absent the weight keeps its initial value instead of failing the load.
   */
  optional?: boolean;
}

/** What a load did. */
export interface LoadReport {
  loaded: number;
  /** Optional weights the checkpoint did not have (left at their initial values). */
  notInCheckpoint: string[];
  /** Checkpoint tensors no mapping used: heads left out on purpose, plus any `allowUnused` let through. */
  unexpected: string[];
  /** Those of `unexpected` that are not task-head tensors (non-empty only with `allowUnused`). */
  unusedNonHead: string[];
}

/** Options of {@link loadMappedWeights}. */
export interface LoadMappedOptions {
  /** Prefix task models put before encoder names (`bert.`), tried both ways. */
  prefix?: string;
  /** Names the checkpoint in messages. */
  source?: string;
  /** Task-head tensors a model may leave out (see Family.isHeadTensor); unused, they are only reported. */
  isHeadTensor?: (name: string) => boolean;
  /** Let unused non-head tensors through (reported in `unusedNonHead`) instead of failing the load. */
  allowUnused?: boolean;
}

/** Known buffers Hugging Face stores that are not weights. */
const IGNORED_SOURCES = [
  /\.position_ids$/,
  /\.inv_freq$/,
  /^pos_emb\.inv_freq$/,
  // GPT-2's causal-mask buffers, stored by older transformers versions (h.N.attn.bias / attn.masked_bias).
  /\.attn\.(masked_)?bias$/,
  // Fixed sinusoid tables the rotary and NEZHA kernels compute (RoFormer, NEZHA).
  /\.encoder\.embed_positions\.weight$/,
  /\.relative_positions_encoding\.positions_encoding$/,
];

/** The LayerVariable `layer/weight` of a model; an error names both if it does not exist. */
export function findWeight(model: tf.LayersModel, layerName: string, weightName: string): tf.LayerVariable {
  const layer = model.getLayer(layerName);
  const found = layer.weights.find(
    (w) => w.originalName === `${layerName}/${weightName}` || w.originalName.endsWith(`/${weightName}`),
  );
  if (!found) {
    throw new Bert4tfjsError(
      `layer ${layerName} has no weight '${weightName}' (has ${layer.weights.map((w) => w.originalName).join(', ')})`,
      'internal',
    );
  }
  return found;
}

function applyTransforms(
  values: Float32Array,
  shape: number[],
  transforms: WeightTransform[],
  name: string,
): { values: Float32Array; shape: number[] } {
  let v = values;
  let s = [...shape];
  for (const t of transforms) {
    if (t.kind === 'transpose') {
      if (s.length !== 2)
        throw new Bert4tfjsError(`${name}: transpose needs a 2-D tensor, has shape [${s}]`, 'bad-tensor');
      const [r, c] = s;
      const out = new Float32Array(v.length);
      for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = v[i * c + j];
      v = out;
      s = [c, r];
    } else if (t.kind === 'rows') {
      const width = v.length / s[0];
      const out = new Float32Array(t.rows.length * width);
      t.rows.forEach((row, i) => {
        if (row < 0 || row >= s[0])
          throw new Bert4tfjsError(`${name}: keepTokens id ${row} is outside [0, ${s[0]})`, 'bad-argument');
        out.set(v.subarray(row * width, (row + 1) * width), i * width);
      });
      v = out;
      s = [t.rows.length, ...s.slice(1)];
    } else {
      const width = v.length / s[0];
      const out = new Float32Array(v.length + t.groups.length * width);
      out.set(v);
      t.groups.forEach((g, i) => {
        const weights = g.weights ?? g.ids.map(() => 1);
        const total = weights.reduce((a, b) => a + b, 0);
        if (g.ids.length === 0 || total === 0)
          throw new Bert4tfjsError(
            `${name}: compound token ${i} has no source ids or zero total weight`,
            'bad-argument',
          );
        const dst = out.subarray(v.length + i * width, v.length + (i + 1) * width);
        g.ids.forEach((id, k) => {
          if (id < 0 || id >= s[0])
            throw new Bert4tfjsError(`${name}: compound token ${i} uses id ${id} outside [0, ${s[0]})`, 'bad-argument');
          const src = v.subarray(id * width, (id + 1) * width);
          for (let j = 0; j < width; j++) dst[j] += (src[j] * weights[k]) / total;
        });
      });
      v = out;
      s = [s[0] + t.groups.length, ...s.slice(1)];
    }
  }
  return { values: v, shape: s };
}

function sameShape(a: readonly (number | null)[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Writes checkpoint tensors into a model following `mappings`. Source names are tried as given and
 * with/without `prefix` (Hugging Face saves `bert.`-prefixed names from task models, bare ones from
 * `BertModel`). All problems are collected and thrown together.
 */
export function loadMappedWeights(
  model: tf.LayersModel,
  mappings: WeightMapping[],
  tensors: NamedTensors,
  options: LoadMappedOptions = {},
): LoadReport {
  const source = options.source ?? 'checkpoint';
  const prefix = options.prefix ?? '';
  const resolve = (name: string): string | null => {
    if (tensors.has(name)) return name;
    if (prefix && name.startsWith(prefix) && tensors.has(name.slice(prefix.length))) return name.slice(prefix.length);
    if (prefix && !name.startsWith(prefix) && tensors.has(prefix + name)) return prefix + name;
    return null;
  };
  const missing: string[] = [];
  const notInCheckpoint: string[] = [];
  const misShaped: string[] = [];
  const used = new Set<string>();
  const plan: Array<{ variable: tf.LayerVariable; values: Float32Array; shape: number[] }> = [];
  for (const m of mappings) {
    const variable = findWeight(model, m.layer, m.weight);
    const name = resolve(m.source);
    if (!name) {
      if (m.optional) notInCheckpoint.push(m.source);
      else missing.push(`${m.source} (for ${m.layer}/${m.weight}, shape [${variable.shape}])`);
      continue;
    }
    used.add(name);
    const raw = tensors.get(name) as RawTensor;
    const { values, shape } = applyTransforms(
      rawToFloat32(raw, `${source}: ${name}`),
      raw.shape,
      m.transforms ?? [],
      `${source}: ${name}`,
    );
    if (!sameShape(variable.shape, shape)) {
      misShaped.push(
        `${name}: checkpoint [${raw.shape}]${m.transforms?.length ? ` -> [${shape}] after ${m.transforms.map((t) => t.kind).join('+')}` : ''}, model ${m.layer}/${m.weight} expects [${variable.shape}]`,
      );
      continue;
    }
    plan.push({ variable, values, shape });
  }
  const unexpected = [...tensors.keys()].filter((n) => !used.has(n) && !IGNORED_SOURCES.some((re) => re.test(n)));
  const unusedNonHead = unexpected.filter((n) => !options.isHeadTensor?.(n));
  const refuseUnused = unusedNonHead.length > 0 && !options.allowUnused;
  if (missing.length || misShaped.length || refuseUnused) {
    const parts = [`cannot load weights from ${source}:`];
    if (missing.length) parts.push(`missing ${missing.length} tensor(s): ${missing.join('; ')}`);
    if (misShaped.length) parts.push(`wrong shape for ${misShaped.length} tensor(s): ${misShaped.join('; ')}`);
    if (unusedNonHead.length)
      parts.push(
        `unused ${unusedNonHead.length} tensor(s) the model has no place for (a config with fewer layers or other shapes than the checkpoint?): ${unusedNonHead.slice(0, 20).join(', ')}${unusedNonHead.length > 20 ? ', ...' : ''}${missing.length || misShaped.length ? '' : ' (allowUnused / --allow-unused loads the rest anyway)'}`,
      );
    throw new Bert4tfjsError(parts.join('\n  '), 'bad-checkpoint');
  }
  for (const p of plan) {
    const t = tf.tensor(p.values, p.shape, 'float32');
    p.variable.write(t);
    t.dispose();
  }
  return { loaded: plan.length, unexpected, unusedNonHead, notInCheckpoint };
}
