/** The config of a Mesh TensorFlow T5 checkpoint, which ships a gin file: read off the tensor shapes. */
import { Bert4tfjsError } from '@bert4tfjs/core';
import type { RawConfig } from '../config.ts';
import type { TensorInfo } from '../convert/types.ts';

function shapeOf(listing: Map<string, TensorInfo>, name: string): number[] | undefined {
  return listing.get(name)?.shape;
}

/** A T5 config.json read off a mesh checkpoint's shapes (the heads come from the position-bias table). */
export function t5ConfigFromTensors(listing: TensorInfo[]): RawConfig {
  const by = new Map(listing.map((t) => [t.name.replace(/^module\//, ''), t]));
  const emb = shapeOf(by, 'shared/embedding');
  const bias = shapeOf(by, 'encoder/block_000/layer_000/SelfAttention/relative_attention_bias');
  const q = shapeOf(by, 'encoder/block_000/layer_000/SelfAttention/q');
  const wi =
    shapeOf(by, 'encoder/block_000/layer_001/DenseReluDense/wi_0/kernel') ??
    shapeOf(by, 'encoder/block_000/layer_001/DenseReluDense/wi/kernel');
  if (!emb || !bias || !q || !wi) {
    throw new Bert4tfjsError(
      'cannot infer the T5 config from the checkpoint: it needs shared/embedding, encoder/block_000/layer_000/SelfAttention/{q,relative_attention_bias} ' +
        'and encoder/block_000/layer_001/DenseReluDense/wi(_0)/kernel; pass --config config.json',
      'bad-checkpoint',
    );
  }
  const blocks = (stack: string): number =>
    new Set([...by.keys()].filter((n) => n.startsWith(`${stack}/block_`)).map((n) => n.split('/')[1])).size;
  const gated = by.has('encoder/block_000/layer_001/DenseReluDense/wi_0/kernel');
  return {
    vocab_size: emb[0],
    d_model: emb[1],
    num_heads: bias[0],
    relative_attention_num_buckets: bias[1],
    d_kv: q[1] / bias[0],
    d_ff: wi[1],
    num_layers: blocks('encoder'),
    num_decoder_layers: blocks('decoder'),
    feed_forward_proj: gated ? 'gated-gelu' : 'relu',
    tie_word_embeddings: !by.has('decoder/logits/kernel'),
    relative_attention_max_distance: 128,
    layer_norm_epsilon: 1e-6,
    dropout_rate: 0.1,
    pad_token_id: 0,
    eos_token_id: 1,
    decoder_start_token_id: 0,
  };
}
