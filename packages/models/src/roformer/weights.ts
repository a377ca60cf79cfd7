/**
 * RoFormer's weight map: our layer weights -> Hugging Face `RoFormerForMaskedLM` tensor names. The
 * blocks are BERT's names under `roformer.`; a bias-free config (V2) drops the biases, an RMS-norm config
 * drops the norm weights. The fixed `roformer.encoder.embed_positions.weight` table is not a weight here:
 * the rotary kernel computes it (export writes it back, see {@link roformerExtraTensors}).
 */
import { float32ToRaw, rotarySinusoidTable, type NamedTensors } from '@bert4tfjs/core';
import { bertBlockWeights } from '../bert/model.ts';
import { vocabTransforms, type BertBuildOptions } from '../encoder/build-options.ts';
import type { WeightMapping, WeightTransform } from '../weights.ts';
import type { ResolvedRoformerConfig, RoformerConfig } from './config.ts';

const T: WeightTransform[] = [{ kind: 'transpose' }];

/** Whether a mapping survives `c`: biases need `useBias`, norm weights need a layer norm. */
function kept(m: WeightMapping, c: ResolvedRoformerConfig): boolean {
  const isNorm = m.layer.endsWith('-Norm');
  if (isNorm) return c.normType === 'layer_norm';
  if (m.weight.endsWith('bias')) return c.useBias;
  return true;
}

/** The embedding weights (word, segment, norm, E -> H projection). */
export function roformerEmbeddingWeights(c: ResolvedRoformerConfig, opts: BertBuildOptions): WeightMapping[] {
  const m: WeightMapping[] = [
    {
      layer: 'Embedding-Token',
      weight: 'embeddings',
      source: 'roformer.embeddings.word_embeddings.weight',
      transforms: vocabTransforms(opts),
    },
    { layer: 'Embedding-Segment', weight: 'embeddings', source: 'roformer.embeddings.token_type_embeddings.weight' },
    { layer: 'Embedding-Norm', weight: 'gamma', source: 'roformer.embeddings.LayerNorm.weight' },
    { layer: 'Embedding-Norm', weight: 'beta', source: 'roformer.embeddings.LayerNorm.bias' },
  ];
  if (c.embeddingSize !== c.hiddenSize) {
    m.push(
      { layer: 'Embedding-Mapping', weight: 'kernel', source: 'roformer.embeddings_project.weight', transforms: T },
      { layer: 'Embedding-Mapping', weight: 'bias', source: 'roformer.embeddings_project.bias' },
    );
  }
  return m.filter((x) => kept(x, c));
}

/** The weights of block `name` from Hugging Face prefix `hf` (`roformer.encoder.layer.i`). */
export function roformerBlockWeights(name: string, hf: string, c: ResolvedRoformerConfig): WeightMapping[] {
  return bertBlockWeights(name, hf).filter((x) => kept(x, c));
}

/** The pooler of a non-tanh (RoFormer-Sim) pooler, named as BERT's under `roformer.`. */
export function roformerPoolerWeights(hf: string): WeightMapping[] {
  return [
    { layer: 'Pooler-Dense', weight: 'kernel', source: `${hf}.weight`, transforms: T },
    { layer: 'Pooler-Dense', weight: 'bias', source: `${hf}.bias` },
  ];
}

/**
 * Tensors a Hugging Face RoFormer directory holds that are not weights of ours: the fixed sinusoid table
 * `roformer.encoder.embed_positions.weight` [max_position_embeddings, head_dim].
 */
export function roformerExtraTensors(c: RoformerConfig, dtype: 'F32' | 'F16' | 'BF16' = 'F32'): NamedTensors {
  const dim = c.hiddenSize / c.numAttentionHeads;
  const table = rotarySinusoidTable(c.maxPositionEmbeddings, dim);
  return new Map([
    ['roformer.encoder.embed_positions.weight', float32ToRaw(table, [c.maxPositionEmbeddings, dim], dtype)],
  ]);
}
