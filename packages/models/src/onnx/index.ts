/** ONNX export of BERT-like and ALBERT encoders (with pooler), for onnxruntime and @xenova/transformers. */
export * from './ops.ts';
export * from './encoder-graph.ts';
export * from './export.ts';
export * from './export-file.ts';
