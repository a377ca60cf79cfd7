/** Checkpoint and tensor-file I/O: safetensors, TensorFlow checkpoints (TensorBundle V2), PyTorch .bin. */
export * from './raw-tensor.ts';
export * from './safetensors.ts';
export * from './torch/index.ts';
export * from './tf-checkpoint/index.ts';
export * from './onnx/index.ts';
export * from './file-source.ts';
export * from './file-source-node.ts';
