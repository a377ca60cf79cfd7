/** Tensor ops with gradients that work (and run fast) on every backend, wasm included. */
export * from './matmul.ts';
export * from './gather.ts';
export * from './activations.ts';
export * from './stop-gradient.ts';
