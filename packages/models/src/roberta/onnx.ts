/** RoBERTa's ONNX hook: BERT's layer names under `roberta.`, positions offset past the padding id. */
import { bertLayoutLayerNames } from '../electra/onnx.ts';
import type { TransformerModel } from '../family.ts';
import type { EncoderGraphLayout } from '../onnx/encoder-graph.ts';
import type { RobertaConfig } from './config.ts';

/** The ONNX encoder layout of a built RoBERTa (Hugging Face layout). */
export function robertaOnnxLayout(built: TransformerModel): EncoderGraphLayout {
  const c = built.config as RobertaConfig;
  return {
    embeddings: 'roberta.embeddings',
    paddingOffsetPositions: c.padTokenId,
    layers: Array.from({ length: c.numHiddenLayers }, (_, i) => bertLayoutLayerNames('roberta', i)),
    pooler: 'roberta.pooler.dense',
    hiddenSize: c.hiddenSize,
    numAttentionHeads: c.numAttentionHeads,
    hiddenAct: c.hiddenAct,
    layerNormEps: c.layerNormEps,
  };
}
