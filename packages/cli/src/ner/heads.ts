/**
 * The NER heads put on an encoder's last hidden state: a linear emission layer + CRF over BIO tags, or a
 * (Efficient)GlobalPointer scoring every span per entity type. Each head says its layer names, how its
 * weights are named in the saved safetensors (Hugging Face style: `classifier.*`, `crf.transitions`,
 * `global_pointer.*`), its loss and its decoder back to entity spans over the input units.
 */
import * as tf from '@tensorflow/tfjs';
import {
  ConditionalRandomField,
  crfLoss,
  decodeSpans,
  EfficientGlobalPointer,
  GlobalPointer,
  globalPointerLoss,
} from '@bert4tfjs/core';
import type { TransformerModel, WeightMapping } from '@bert4tfjs/models';
import type { EntitySpan } from './data.ts';

/** The heads `train-ner` offers. */
export const NER_HEADS = ['crf', 'global-pointer', 'efficient-global-pointer'] as const;
export type NerHead = (typeof NER_HEADS)[number];

/** A built NER network: the encoder plus head as one model, and the head's loss and decoder. */
export interface NerNetwork {
  /** The encoder's TransformerModel with `model` and `weightMap` extended by the head (for saving). */
  built: TransformerModel;
  /** BIO tag names by id (CRF) or entity types by head index (GlobalPointer). */
  labels: string[];
  /** Loss of the head output given the batch labels (tag ids [B, L] or span targets [B, H, L, L]). */
  loss: (output: tf.Tensor, labels: tf.Tensor) => tf.Scalar;
  /** Entity spans per example (unit indices) from the head output; `lengths` are unit counts (no [CLS]/[SEP]). */
  decode: (output: tf.Tensor, lengths: number[]) => EntitySpan[][];
  /** The training target of one example, padded to `length` positions ([CLS] at 0). */
  target: (spans: readonly EntitySpan[], length: number) => number[] | number[][][];
}

/** BIO tags over `types`: O, then B-t, I-t for each type in order. */
export function bioTags(types: readonly string[]): string[] {
  return ['O', ...types.flatMap((t) => [`B-${t}`, `I-${t}`])];
}

/** Spans of a decoded tag-id path (positions are units); an I-t not continuing a t entity starts one. */
export function tagPathToSpans(path: readonly number[], tags: readonly string[]): EntitySpan[] {
  const out: EntitySpan[] = [];
  let open: EntitySpan | null = null;
  path.forEach((id, i) => {
    const tag = tags[id] ?? 'O';
    if (tag === 'O') {
      open = null;
      return;
    }
    const [bi, type] = [tag[0], tag.slice(2)];
    if (bi === 'I' && open && open.type === type && open.end === i) open.end = i + 1;
    else {
      open = { start: i, end: i + 1, type };
      out.push(open);
    }
  });
  return out;
}

const dense = (layer: string, source: string): WeightMapping[] => [
  { layer, weight: 'kernel', source: `${source}.weight`, transforms: [{ kind: 'transpose' }] },
  { layer, weight: 'bias', source: `${source}.bias` },
];

/**
 * Puts `head` on `base` (an encoder whose output 0 is the last hidden state and whose inputs are
 * ids, segments, attention mask) for entity `types`; `headSize` is GlobalPointer's span vector size.
 */
export function buildNerNetwork(
  base: TransformerModel,
  head: NerHead,
  types: readonly string[],
  headSize = 32,
): NerNetwork {
  const inputs = base.model.inputs;
  const hidden = base.model.outputs[0];
  const mask = inputs[2];
  const keep = (m: WeightMapping) => m.layer.startsWith('Embedding') || m.layer.startsWith('Transformer');
  const withHead = (output: tf.SymbolicTensor, mappings: WeightMapping[]): TransformerModel => ({
    ...base,
    model: tf.model({ inputs, outputs: output, name: `bert-ner-${head}` }),
    outputNames: [head === 'crf' ? 'emissions' : 'span_logits'],
    weightMap: [...base.weightMap.filter(keep), ...mappings],
  });
  if (head === 'crf') {
    const tags = bioTags(types);
    const emissions = tf.layers
      .dense({
        units: tags.length,
        name: 'NER-Emission',
        kernelInitializer: tf.initializers.truncatedNormal({ stddev: 0.02, seed: 7 }),
      })
      .apply(hidden) as tf.SymbolicTensor;
    const crf = new ConditionalRandomField({ name: 'NER-CRF' });
    const out = crf.apply([emissions, mask]) as tf.SymbolicTensor;
    const tagIds = new Map(tags.map((t, i) => [t, i]));
    return {
      built: withHead(out, [
        ...dense('NER-Emission', 'classifier'),
        { layer: 'NER-CRF', weight: 'trans', source: 'crf.transitions' },
      ]),
      labels: tags,
      loss: (output, labels) => crfLoss(output, labels, crf.transitions),
      decode: (output, lengths) =>
        crf.viterbiDecode(output).map((path, i) => tagPathToSpans(path.slice(1, 1 + lengths[i]), tags)),
      target: (spans, length) => {
        const row = Array<number>(length).fill(0);
        for (const s of spans)
          for (let u = s.start; u < s.end; u++) row[u + 1] = tagIds.get(`${u === s.start ? 'B' : 'I'}-${s.type}`)!;
        return row;
      },
    };
  }
  const Layer = head === 'global-pointer' ? GlobalPointer : EfficientGlobalPointer;
  const name = head === 'global-pointer' ? 'NER-GlobalPointer' : 'NER-EfficientGlobalPointer';
  const pointer = new Layer({ heads: types.length, headSize, name });
  const out = pointer.apply([hidden, mask]) as tf.SymbolicTensor;
  const mappings =
    head === 'global-pointer'
      ? dense(name, 'global_pointer.dense')
      : [
          {
            layer: name,
            weight: 'p_kernel',
            source: 'global_pointer.p_dense.weight',
            transforms: [{ kind: 'transpose' as const }],
          },
          { layer: name, weight: 'p_bias', source: 'global_pointer.p_dense.bias' },
          {
            layer: name,
            weight: 'q_kernel',
            source: 'global_pointer.q_dense.weight',
            transforms: [{ kind: 'transpose' as const }],
          },
          { layer: name, weight: 'q_bias', source: 'global_pointer.q_dense.bias' },
        ];
  const typeIds = new Map(types.map((t, i) => [t, i]));
  return {
    built: withHead(out, mappings),
    labels: [...types],
    loss: (output, labels) => globalPointerLoss(labels, output),
    decode: (output, lengths) => {
      const spans: EntitySpan[][] = lengths.map(() => []);
      for (const p of decodeSpans(output)) {
        // Token positions: [CLS] is 0, units are 1..n, [SEP] n+1; spans touching neither special token count.
        if (p.start < 1 || p.end > lengths[p.batch]) continue;
        spans[p.batch].push({ start: p.start - 1, end: p.end, type: types[p.head] });
      }
      return spans.map((s) => s.sort((a, b) => a.start - b.start || a.end - b.end));
    },
    target: (spans, length) => {
      const t = types.map(() => Array.from({ length }, () => Array<number>(length).fill(0)));
      for (const s of spans) t[typeIds.get(s.type)!][s.start + 1][s.end] = 1;
      return t;
    },
  };
}
