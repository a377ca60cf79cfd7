/**
 * Performer (FAVOR+) attention, a drop-in kernel for MultiHeadAttention: importing this module registers
 * it, so `attention: { type: 'performer', features: 256 }` works in every model builder.
 */
import { registerAttentionKernel, type MultiHeadAttention } from '../attention.ts';
import { PerformerKernel, performerAttentionKernel } from './kernel.ts';

export { createProjection, gaussianStream, mixSeed, orthogonalRandomFeatures, orthonormalBlock } from './projection.ts';
export {
  CAUSAL_DENOMINATOR_EPS,
  RELU_FEATURE_EPS,
  SOFTMAX_FEATURE_EPS,
  keyFeatures,
  queryFeatures,
  type PerformerFeatureKernel,
} from './features.ts';
export { causalFavor, type CausalFavorOptions, type CausalStabilizer } from './causal.ts';
export { DEFAULT_CHUNK_SIZE, checkFavorInputs, favorAttention, type FavorInputs, type FavorOptions } from './favor.ts';
export {
  DEFAULT_PERFORMER_FEATURES,
  PerformerKernel,
  performerAttentionKernel,
  resolvePerformerOption,
  type PerformerAttentionOption,
  type ResolvedPerformerOption,
} from './kernel.ts';

/** The PerformerKernel behind a MultiHeadAttention layer built with performer attention, else null. */
export function performerKernelOf(layer: MultiHeadAttention): PerformerKernel | null {
  const kernel = layer.getAttentionKernel() as { performer?: PerformerKernel };
  return kernel.performer ?? null;
}

// Layers create their kernel when built; drawing the projection then makes it part of the model's state
// from the start (a first forward pass does not allocate).
registerAttentionKernel('performer', (option, layer) => {
  const kernel = new PerformerKernel(option, layer.headSize, layer.name);
  void kernel.projection;
  return performerAttentionKernel(kernel);
});
