/** The BERT-base-shaped config every training bench uses (random weights; the speed does not depend on them). */

/** config.json of a BERT-base-sized model (12 x 768, 12 heads, FFN 3072, vocab 21128) with `layers` layers. */
export function bertBaseConfig(layers = 12): Record<string, unknown> {
  return {
    model_type: 'bert',
    vocab_size: 21128,
    hidden_size: 768,
    num_hidden_layers: layers,
    num_attention_heads: 12,
    intermediate_size: 3072,
    max_position_embeddings: 512,
    type_vocab_size: 2,
    hidden_act: 'gelu',
    hidden_dropout_prob: 0.1,
    attention_probs_dropout_prob: 0.1,
    initializer_range: 0.02,
    layer_norm_eps: 1e-12,
  };
}

/** The shape of a training-bench run, the same for every engine so their rows compare. */
export interface TrainingShape {
  /** Encoder layers (default 12). */
  layers?: number;
  /** Optimizer steps (the first is not timed). Default 3. */
  steps?: number;
  /** Micro-batch size (default 8). */
  batchSize?: number;
  seqLen?: number;
  /** Micro-batches per optimizer step (default 1). */
  accum?: number;
  /** Intra-op threads (default 2). */
  threads?: number;
}
