/** Tensor ops with gradients that work (and run fast) on every backend, wasm included. */
export * from './matmul.ts';
export * from './batched.ts';
export * from './gather.ts';
export * from './activations.ts';
export * from './shared-identity.ts';
export * from './tidy-grad.ts';
export * from './linear.ts';
export * from './fused-gelu.ts';
export * from './fused-layer-norm.ts';
export * from './fused-feed-forward.ts';
export * from './fused-attention.ts';
export * from './stop-gradient.ts';
