/** A built model's weights back as Hugging Face-named tensors (what model.safetensors holds). */
import { float32ToRaw, type NamedTensors } from '@bert4tfjs/core';
import type { TransformerModel } from './family.ts';
import { findWeight } from './weights.ts';

/**
 * The model's weights as Hugging Face-named tensors (transposes undone), ready for safetensors. Weights
 * after vocabulary surgery are written as they are now (the config's vocab_size follows them).
 */
export function exportHfTensors(built: TransformerModel, dtype: 'F32' | 'F16' | 'BF16' = 'F32'): NamedTensors {
  const out: NamedTensors = new Map();
  for (const m of built.weightMap) {
    const v = findWeight(built.model, m.layer, m.weight).read();
    const transposed = m.transforms?.some((t) => t.kind === 'transpose');
    const values = transposed ? v.transpose() : v;
    const data = values.dataSync() as Float32Array;
    out.set(m.source, float32ToRaw(data, values.shape as number[], dtype));
    if (values !== v) values.dispose();
  }
  // Fixed tables a family computes but Hugging Face stores (RoFormer's embed_positions), for an exact HF layout.
  const extra = built.extraHfTensors as ((dtype: 'F32' | 'F16' | 'BF16') => NamedTensors) | undefined;
  for (const [name, t] of extra?.(dtype) ?? []) out.set(name, t);
  return out;
}
