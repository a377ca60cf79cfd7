/** ALBERT's ONNX hook: the shared group layers, each written once per depth it runs at. */
import { Bert4tfjsError } from '@bert4tfjs/core';
import type { TransformerModel } from '../family.ts';
import type { EncoderGraphLayout, OnnxLayerNames } from '../onnx/encoder-graph.ts';
import { albertGroupOf, type AlbertConfig } from './model.ts';

/** Hugging Face tensor prefixes of inner layer `j` of group `group`. */
export function albertOnnxLayerNames(group: number, j: number): OnnxLayerNames {
  const p = `albert.encoder.albert_layer_groups.${group}.albert_layers.${j}`;
  return {
    q: `${p}.attention.query`,
    k: `${p}.attention.key`,
    v: `${p}.attention.value`,
    o: `${p}.attention.dense`,
    attnNorm: `${p}.attention.LayerNorm`,
    inner: `${p}.ffn`,
    outer: `${p}.ffn_output`,
    ffnNorm: `${p}.full_layer_layer_norm`,
  };
}

/** The ONNX encoder layout of a built (shared-layer) ALBERT. */
export function albertOnnxLayout(built: TransformerModel): EncoderGraphLayout {
  if (built.family === 'albert_unshared') {
    throw new Bert4tfjsError(
      'ONNX export: albert_unshared has one weight set per layer, which Hugging Face names cannot express; export it as albert before training, or use the tfjs engine',
      'unsupported',
    );
  }
  const c = built.config as AlbertConfig;
  const layers: OnnxLayerNames[] = [];
  for (let i = 0; i < c.numHiddenLayers; i++) {
    for (let j = 0; j < c.innerGroupNum; j++) layers.push(albertOnnxLayerNames(albertGroupOf(c, i), j));
  }
  return {
    embeddings: 'albert.embeddings',
    embeddingProjection: 'albert.encoder.embedding_hidden_mapping_in',
    layers,
    pooler: 'albert.pooler',
    hiddenSize: c.hiddenSize,
    numAttentionHeads: c.numAttentionHeads,
    hiddenAct: c.hiddenAct,
    layerNormEps: c.layerNormEps,
  };
}
