/**
 * @bert4tfjs/core for web pages (the package's `browser` export): everything that computes — layers,
 * ops, losses, optimizers, data, decoding, the safetensors format — without the Node-only parts (file
 * writing, the TF / PyTorch checkpoint readers, the Trainer's checkpoints and logs, Node backend
 * selection). Files arrive through a {@link FileSource} (fetch or File); the backend starts with
 * {@link initBrowserBackend}.
 */
export * from './errors.ts';
export * from './utils/random.ts';
export * from './backend/browser.ts';
export * from './ops/index.ts';
export * from './io/raw-tensor.ts';
export * from './io/safetensors-format.ts';
export * from './io/file-source.ts';
export * from './layers/index.ts';
export * from './train/losses/index.ts';
export * from './train/optimizers/index.ts';
export * from './train/data/index.ts';
export * from './train/metrics.ts';
export * from './generate/index.ts';
// ONNX graphs are built in memory (protobufjs); writing .onnx files and running onnxruntime stay Node-side.
export * from './io/onnx/proto.ts';
export * from './io/onnx/graph.ts';
export * from './engines/onnx/tape.ts';
export * as onnxOps from './engines/onnx/primitives.ts';
export * from './engines/onnx/optimizer.ts';
