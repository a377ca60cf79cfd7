/**
 * @bert4tfjs/core: the engine room. Backend selection, wasm-safe ops, layers, checkpoint I/O,
 * training (losses, optimizers, data, trainer) and decoding. Knows nothing of models or tokenizers.
 */
export * from './errors.ts';
export * from './utils/index.ts';
export * from './backend/index.ts';
export * from './ops/index.ts';
export * from './io/index.ts';
export * from './layers/index.ts';
export * from './train/index.ts';
export * from './generate/index.ts';
export * from './engines/onnx/index.ts';
