/**
 * bert4keras's `application='unilm'` and `'lm'` attention masks as an additive attention bias
 * [B, 1, L, L] (0 = may attend, a large negative = may not), fed to {@link MultiHeadAttention}'s bias
 * input next to the key padding mask.
 *
 * - `lm`: query i sees keys j <= i (a causal language model).
 * - `unilm`: with s = cumsum(token_type_ids) along the sequence, query i sees key j iff s[j] <= s[i]:
 *   the source segment (type 0) sees itself bidirectionally, each target token (type 1) sees the source
 *   and the targets up to itself (UniLM seq2seq, Dong et al. 2019).
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../errors.ts';
import { MASK_NEGATIVE } from './attention-kernel.ts';
import { registerLayer, type Kwargs, type LayerArgs, type LayerConfig, type Shape } from './base.ts';

/** The attention structures {@link AttentionMaskBias} builds. */
export type MaskApplication = 'unilm' | 'lm';

/** Options of {@link AttentionMaskBias}. */
export interface AttentionMaskBiasArgs extends LayerArgs {
  application: MaskApplication;
}

/** The 0/1 visibility matrix [B, L, L] (1 = query row i may attend key column j) of `application`. */
export function seq2seqVisibility(application: MaskApplication, tokenTypeIds: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const [b, l] = tokenTypeIds.shape as number[];
    if (application === 'lm') {
      const rows = tf.reshape(tf.range(0, l, 1, 'int32'), [l, 1]);
      const cols = tf.reshape(tf.range(0, l, 1, 'int32'), [1, l]);
      return tf.tile(tf.expandDims(tf.cast(tf.lessEqual(cols, rows), 'float32'), 0), [b, 1, 1]);
    }
    const s = tf.cumsum(tf.cast(tokenTypeIds, 'int32'), 1);
    return tf.cast(tf.lessEqual(tf.expandDims(s, 1), tf.expandDims(s, 2)), 'float32');
  });
}

/** Input: token_type_ids [B, L] (int). Output: additive bias [B, 1, L, L]. */
export class AttentionMaskBias extends tf.layers.Layer {
  static className = 'bert4tfjs.AttentionMaskBias';
  readonly application: MaskApplication;

  constructor(args: AttentionMaskBiasArgs) {
    super(args);
    if (args.application !== 'unilm' && args.application !== 'lm') {
      throw new Bert4tfjsError(
        `AttentionMaskBias: application must be 'unilm' or 'lm', got ${JSON.stringify(args.application)}`,
        'bad-config',
      );
    }
    this.application = args.application;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    return [s[0], 1, s[1], s[1]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const ids = Array.isArray(inputs) ? inputs[0] : inputs;
      const visible = seq2seqVisibility(this.application, ids);
      return tf.expandDims(tf.mul(tf.sub(1, visible), MASK_NEGATIVE), 1);
    });
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), application: this.application };
  }
}
registerLayer(AttentionMaskBias);
