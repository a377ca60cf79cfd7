/** BERT's ONNX hook: where the emitter finds each layer's Hugging Face tensors. */
import type { TransformerModel } from '../family.ts';
import type { EncoderGraphLayout, OnnxLayerNames } from '../onnx/encoder-graph.ts';
import type { BertConfig } from './config.ts';

/** Hugging Face tensor prefixes of BERT layer `i`. */
export function bertOnnxLayerNames(i: number): OnnxLayerNames {
  const p = `bert.encoder.layer.${i}`;
  return {
    q: `${p}.attention.self.query`,
    k: `${p}.attention.self.key`,
    v: `${p}.attention.self.value`,
    o: `${p}.attention.output.dense`,
    attnNorm: `${p}.attention.output.LayerNorm`,
    inner: `${p}.intermediate.dense`,
    outer: `${p}.output.dense`,
    ffnNorm: `${p}.output.LayerNorm`,
  };
}

/** The ONNX encoder layout of a built BERT (also WoBERT, RoBERTa-wwm). */
export function bertOnnxLayout(built: TransformerModel): EncoderGraphLayout {
  const c = built.config as BertConfig;
  return {
    embeddings: 'bert.embeddings',
    layers: Array.from({ length: c.numHiddenLayers }, (_, i) => bertOnnxLayerNames(i)),
    pooler: 'bert.pooler.dense',
    hiddenSize: c.hiddenSize,
    numAttentionHeads: c.numAttentionHeads,
    hiddenAct: c.hiddenAct,
    layerNormEps: c.layerNormEps,
  };
}
