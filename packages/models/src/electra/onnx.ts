/** ELECTRA's ONNX hook: BERT's layer names under `electra.`, the E -> H projection when E != H. */
import type { TransformerModel } from '../family.ts';
import type { EncoderGraphLayout, OnnxLayerNames } from '../onnx/encoder-graph.ts';
import type { ElectraConfig } from './config.ts';

/** Hugging Face tensor prefixes of a BERT-layout layer `i` under `root` (`electra`, `roberta`). */
export function bertLayoutLayerNames(root: string, i: number): OnnxLayerNames {
  const p = `${root}.encoder.layer.${i}`;
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

/** The ONNX encoder layout of a built ELECTRA (no pooler: ELECTRA has none). */
export function electraOnnxLayout(built: TransformerModel): EncoderGraphLayout {
  const c = built.config as ElectraConfig;
  return {
    embeddings: 'electra.embeddings',
    embeddingProjection: c.embeddingSize !== c.hiddenSize ? 'electra.embeddings_project' : undefined,
    layers: Array.from({ length: c.numHiddenLayers }, (_, i) => bertLayoutLayerNames('electra', i)),
    pooler: 'electra.pooler.dense',
    hiddenSize: c.hiddenSize,
    numAttentionHeads: c.numAttentionHeads,
    hiddenAct: c.hiddenAct,
    layerNormEps: c.layerNormEps,
  };
}
