/**
 * Named BERT sizes for training from scratch (`--config tiny|small|base`), as Hugging Face config.json
 * keys. The vocabulary size is filled in from the vocabulary the run uses.
 */
import { Bert4tfjsError } from '@bert4tfjs/core';

/** The named sizes. */
export type ScratchConfigName = 'micro' | 'tiny' | 'small' | 'base';

/** Layers x hidden x heads (feed-forward is 4 x hidden) of each named size; `micro` is for smoke tests. */
export const SCRATCH_SIZES: Record<ScratchConfigName, { layers: number; hidden: number; heads: number }> = {
  micro: { layers: 1, hidden: 64, heads: 2 },
  tiny: { layers: 2, hidden: 128, heads: 2 },
  small: { layers: 4, hidden: 256, heads: 4 },
  base: { layers: 12, hidden: 768, heads: 12 },
};

/** A BERT config.json for `name` with `vocabSize` tokens; an unknown name is an error naming the flag. */
export function scratchBertConfig(name: string, vocabSize: number, maxPositions = 512): Record<string, unknown> {
  const size = SCRATCH_SIZES[name as ScratchConfigName];
  if (!size)
    throw new Bert4tfjsError(
      `--config must be one of ${Object.keys(SCRATCH_SIZES).join(', ')}, got '${name}'`,
      'bad-argument',
    );
  return {
    model_type: 'bert',
    vocab_size: vocabSize,
    hidden_size: size.hidden,
    num_hidden_layers: size.layers,
    num_attention_heads: size.heads,
    intermediate_size: 4 * size.hidden,
    hidden_act: 'gelu',
    hidden_dropout_prob: 0.1,
    attention_probs_dropout_prob: 0.1,
    max_position_embeddings: maxPositions,
    type_vocab_size: 2,
    initializer_range: 0.02,
    layer_norm_eps: 1e-12,
    pad_token_id: 0,
  };
}
