/** The ONNX training step of BERT-family matching models (forward, loss, reverse mode, AdamW). */
export type { TrainParam } from './params.ts';
export type { DropoutSite } from './encoder.ts';
export * from './graph.ts';
