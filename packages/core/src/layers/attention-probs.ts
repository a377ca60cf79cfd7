/**
 * The attention probabilities of a {@link MultiHeadAttention} layer, as Hugging Face's `output_attentions`
 * returns them: softmax(scale · q kᵀ + bias + masks) [B, H, Lq, Lk]. A separate layer that reads the
 * attention layer's q/k weights, so the model a family trains never computes them; a second model over
 * the same graph (for `forward` or parity checks) does. Self-attention only.
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../errors.ts';
import { batchMatMul } from '../ops/batched.ts';
import { dense } from '../ops/matmul.ts';
import { causalMask, MASK_NEGATIVE } from './attention-kernel.ts';
import type { MultiHeadAttention } from './attention.ts';
import { asList, type Kwargs, type LayerArgs, type LayerConfig, type Shape } from './base.ts';

/** Options of {@link AttentionProbabilities}. */
export interface AttentionProbabilitiesArgs extends LayerArgs {
  /** The self-attention layer whose probabilities to compute (inputs must be the ones it gets). */
  attention: MultiHeadAttention;
}

/**
 * Inputs: the same list the attention layer takes (`x`, then its mask and bias inputs when it has them).
 * Output: probabilities [B, heads, L, L]. Not serialisable (it refers to another layer); it belongs in
 * inspection models, not in saved ones.
 */
export class AttentionProbabilities extends tf.layers.Layer {
  static className = 'bert4tfjs.AttentionProbabilities';
  readonly attention: MultiHeadAttention;

  constructor(args: AttentionProbabilitiesArgs) {
    super(args);
    if (args.attention.sources !== 1) {
      throw new Bert4tfjsError(
        `AttentionProbabilities ${args.name ?? ''}: only self-attention layers are supported (${args.attention.name} has ${args.attention.sources} sources)`,
        'bad-config',
      );
    }
    this.attention = args.attention;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const x = Array.isArray(inputShape[0]) ? (inputShape as Shape[])[0] : (inputShape as Shape);
    return [x[0], this.attention.heads, x[1], x[1]];
  }

  private weight(name: string): tf.Tensor | null {
    const w = this.attention.weights.find((v) => v.originalName.endsWith(`/${name}`));
    return w ? w.read() : null;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const list = asList(inputs);
      const a = this.attention;
      const x = list[0];
      let idx = 1;
      const keyMask = a.maskInput ? list[idx++] : null;
      const bias = a.biasInput ? list[idx++] : null;
      const [b, l] = x.shape as number[];
      const heads = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [b, l, a.heads, a.headSize]), [0, 2, 1, 3]);
      const q = heads(dense(x, this.weight('q_kernel')!, this.weight('q_bias')));
      const k = heads(dense(x, this.weight('k_kernel')!, this.weight('k_bias')));
      const scale = a.scaleScores ? 1 / Math.sqrt(a.headSize) : 1;
      let scores = batchMatMul(tf.mul(q, scale), k, true);
      if (bias) scores = tf.add(scores, bias);
      if (keyMask) {
        const m = tf.reshape(tf.cast(keyMask, 'float32'), [b, 1, 1, l]);
        scores = tf.add(scores, tf.mul(tf.sub(1, m), MASK_NEGATIVE));
      }
      if (a.causal) scores = tf.add(scores, tf.mul(tf.sub(1, causalMask(l, l)), MASK_NEGATIVE));
      return tf.softmax(scores, -1);
    });
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), attention: this.attention.name };
  }
}
