/** The ONNX training engine: reverse mode over the ops we emit, in-graph AdamW and clipping, the runtime. */
export * from './tape.ts';
export * as onnxOps from './primitives.ts';
export * from './optimizer.ts';
export * from './runtime.ts';
export * from './train-loop.ts';
