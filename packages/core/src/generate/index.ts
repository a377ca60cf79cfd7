/** Autoregressive decoding: greedy, beam search and random sampling over a model's step function. */
export * from './types.ts';
export * from './decoder.ts';
export * from './prefix-tree.ts';
export { argmax, topKIndices, samplingDistribution, drawIndex } from './sampling.ts';
export type { SamplingFilter } from './sampling.ts';
export { defaultReorderState, disposeReplaced, collectTensors } from './state.ts';
