/**
 * From a built model to ONNX bytes: checks the model is one the ONNX graphs express exactly (a family
 * with an ONNX hook, softmax attention, no conditional LayerNorm), asks the family for its layout, takes its weights through
 * `exportHfTensors`, and writes the encoder graph. The heads other than the pooler (MLM, NSP/SOP) are
 * left out: the ONNX model is for embedding, as Hugging Face's feature-extraction exports are.
 */
import { AttentionMaskBias, Bert4tfjsError, MultiHeadAttention, OnnxGraphBuilder } from '@bert4tfjs/core';
import type { TransformerModel } from '../family.ts';
import { exportHfTensors } from '../hf-tensors.ts';
import { FAMILIES, getFamily } from '../registry.ts';
import { writeEncoderGraph, type EncoderGraphSpec } from './encoder-graph.ts';
import { EncoderOps, HfWeights } from './ops.ts';

/** The opset written: 17 is the first with LayerNormalization, and onnxruntime 1.14 runs it. */
export const ONNX_OPSET = 17;
/** IR version 8 goes with opsets up to 18 (onnxruntime 1.14 reads up to 8). */
export const ONNX_IR_VERSION = 8;

/** Options of {@link buildOnnxModel}. */
export interface OnnxExportOptions {
  /** Include `pooler_output` when the model has a pooler. Default true. */
  pooler?: boolean;
  /** Also output the first layer's hidden states (`first_layer_hidden_state`). Default false. */
  firstLayerOutput?: boolean;
  /** Extra metadata_props written into the model. */
  metadata?: Record<string, string>;
}

/** What was exported. */
export interface OnnxExportResult {
  bytes: Uint8Array;
  outputNames: string[];
  nodes: number;
  parameters: number;
}

/** The graph spec for `built`, or an error saying why this model cannot be exported. */
export function onnxSpecFor(built: TransformerModel, options: OnnxExportOptions = {}): EncoderGraphSpec {
  const hook = getFamily(built.family).onnx;
  if (!hook) {
    const supported = FAMILIES.flatMap((f) => (f.onnx ? (f.onnx.names ?? f.names) : []));
    throw new Bert4tfjsError(
      `ONNX export supports ${supported.join(', ')}; this model is '${built.family}'`,
      'unsupported',
    );
  }
  if (built.inputNames.includes('condition')) {
    throw new Bert4tfjsError(
      'ONNX export: models with conditional layer normalization (a `condition` input) are not supported',
      'unsupported',
    );
  }
  for (const layer of built.model.layers) {
    if (layer instanceof AttentionMaskBias) {
      throw new Bert4tfjsError(
        `ONNX export: the ${built.family} model was built with application '${layer.application}' (layer ${layer.name}); only the plain encoder is exported`,
        'unsupported',
      );
    }
    if (layer instanceof MultiHeadAttention && layer.attention.type !== 'softmax') {
      throw new Bert4tfjsError(
        `ONNX export: layer ${layer.name} uses '${layer.attention.type}' attention; only softmax attention is exported`,
        'unsupported',
      );
    }
  }
  return {
    layout: hook.layout(built),
    withPooler: (options.pooler ?? true) && built.outputNames.includes('pooler_output'),
    firstLayerOutput: options.firstLayerOutput ?? false,
  };
}

/** Builds the ONNX model of `built` (encoder + pooler) and returns its bytes. */
export function buildOnnxModel(built: TransformerModel, options: OnnxExportOptions = {}): OnnxExportResult {
  const spec = onnxSpecFor(built, options);
  const g = new OnnxGraphBuilder({
    name: `${built.family}_encoder`,
    opset: ONNX_OPSET,
    irVersion: ONNX_IR_VERSION,
    producerName: 'bert4tfjs',
    docString: `bert4tfjs ${built.family} encoder${spec.withPooler ? ' with pooler' : ''}`,
    metadata: { family: built.family, ...options.metadata },
  });
  const ops = new EncoderOps(g, new HfWeights(exportHfTensors(built), `${built.family} model`));
  writeEncoderGraph(ops, spec);
  const stats = g.stats();
  const outputNames = [
    'last_hidden_state',
    ...(spec.withPooler ? ['pooler_output'] : []),
    ...(spec.firstLayerOutput ? ['first_layer_hidden_state'] : []),
  ];
  return { bytes: g.serialize(), outputNames, nodes: stats.nodes, parameters: stats.parameters };
}
