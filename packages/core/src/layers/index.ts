/**
 * tfjs-layers custom layers, registered for serialization: the handful of pieces every model family is
 * built from.
 */
export * from './base.ts';
export * from './dense.ts';
export * from './embedding.ts';
export * from './layer-norm.ts';
export * from './feed-forward.ts';
export * from './attention-kernel.ts';
export * from './attention.ts';
export * from './small.ts';
export * from './performer/index.ts';
export * from './pooling.ts';
export * from './relative-position.ts';
export * from './xl-attention.ts';
export * from './task/index.ts';
export * from './attention-probs.ts';
export * from './seq2seq-mask.ts';
export * from './padding-positions.ts';
export * from './dispose-model.ts';
export * from './attention-probe.ts';
export * from './rotary-attention.ts';
export * from './nezha-relative-attention.ts';
