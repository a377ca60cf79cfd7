/**
 * Task layers: heads and training pieces put on top of an encoder (conditional layer norm, span and
 * sequence-labelling heads, multi-sample dropout, pooling), all registered for model.save/load.
 */
export * from './conditional-layer-norm.ts';
export * from './rope.ts';
export * from './global-pointer.ts';
export * from './crf-ops.ts';
export * from './crf.ts';
export * from './multi-sample-dropout.ts';
export * from './pooling-layer.ts';
