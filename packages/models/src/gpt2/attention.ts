/**
 * GPT-2's causal self-attention as one tfjs-layers layer, with Hugging Face's weight layout: one fused
 * `c_attn` projection [D, 3D] giving q | k | v, and `c_proj` [D, D] (Conv1D weights are already
 * [in, out], so they load untransposed). Besides the layer call (used by the LayersModel), `attend` runs
 * the same math eagerly on a key/value cache, so incremental decoding and the full forward share one
 * implementation.
 */
import * as tf from '@tensorflow/tfjs';
import {
  Bert4tfjsError,
  batchMatMul,
  bertInitializer,
  causalMask,
  dense,
  MASK_NEGATIVE,
  registerLayer,
  type Kwargs,
  type LayerArgs,
  type LayerConfig,
  type Shape,
} from '@bert4tfjs/core';

/** Options of {@link Gpt2Attention}. */
export interface Gpt2AttentionArgs extends LayerArgs {
  heads: number;
  /** Multiplier of q·kᵀ: 1/sqrt(head_dim), times 1/(layer + 1) with `scale_attn_by_inverse_layer_idx`. */
  scale: number;
  /** Dropout on the attention probabilities (training only). */
  dropout?: number;
  initializerRange?: number;
  /** Also output the attention probabilities [B, H, L, L] (Hugging Face `output_attentions`). */
  returnAttentions?: boolean;
}

/** Keys and values of the positions seen so far, [B, H, past, head_dim] each. */
export interface KeyValue {
  key: tf.Tensor4D;
  value: tf.Tensor4D;
}

/** What {@link Gpt2Attention.attend} returns; `key`/`value` include the past (the new cache). */
export interface AttendOutput extends KeyValue {
  output: tf.Tensor;
  probs: tf.Tensor4D;
}

/**
 * Inputs: hidden states [B, L, D], then the key padding mask [B, L] (1 = token). Output: [B, L, D], plus
 * the probabilities with `returnAttentions`. Weights: `c_attn_kernel` [D, 3D], `c_attn_bias` [3D],
 * `c_proj_kernel` [D, D], `c_proj_bias` [D].
 */
export class Gpt2Attention extends tf.layers.Layer {
  static className = 'bert4tfjs.Gpt2Attention';
  readonly heads: number;
  readonly scale: number;
  readonly dropout: number;
  readonly initializerRange: number;
  readonly returnAttentions: boolean;
  private cAttnKernel!: tf.LayerVariable;
  private cAttnBias!: tf.LayerVariable;
  private cProjKernel!: tf.LayerVariable;
  private cProjBias!: tf.LayerVariable;

  constructor(args: Gpt2AttentionArgs) {
    super(args);
    if (!(args.heads >= 1)) {
      throw new Bert4tfjsError(`Gpt2Attention ${args.name ?? ''}: heads must be >= 1, got ${args.heads}`, 'bad-config');
    }
    this.heads = args.heads;
    this.scale = args.scale;
    this.dropout = args.dropout ?? 0;
    this.initializerRange = args.initializerRange ?? 0.02;
    this.returnAttentions = args.returnAttentions ?? false;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const d = shape[shape.length - 1] as number;
    if (d % this.heads !== 0) {
      throw new Bert4tfjsError(
        `Gpt2Attention ${this.name}: width ${d} is not a multiple of ${this.heads} heads`,
        'bad-config',
      );
    }
    const init = bertInitializer(this.initializerRange);
    const zeros = tf.initializers.zeros();
    this.cAttnKernel = this.addWeight('c_attn_kernel', [d, 3 * d], 'float32', init);
    this.cAttnBias = this.addWeight('c_attn_bias', [3 * d], 'float32', zeros);
    this.cProjKernel = this.addWeight('c_proj_kernel', [d, d], 'float32', init);
    this.cProjBias = this.addWeight('c_proj_bias', [d], 'float32', zeros);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    const x = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    if (!this.returnAttentions) return x;
    return [x, [x[0], this.heads, x[1], x[1]]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    return tf.tidy(() => {
      const list = Array.isArray(inputs) ? inputs : [inputs];
      const out = this.attend(list[0], list[1] ?? null, null, kwargs?.training === true);
      return this.returnAttentions ? [out.output, out.probs] : out.output;
    });
  }

  /**
   * The attention of hidden states `x` [B, L, D] over the cached positions plus their own (causal), with
   * key padding `mask` [B, past + L] (null: every key valid). Returns the output, the probabilities and
   * the new cache (past keys/values followed by this call's).
   */
  attend(x: tf.Tensor, mask: tf.Tensor | null, past: KeyValue | null, training = false): AttendOutput {
    return tf.tidy(() => {
      const [b, l, d] = x.shape as number[];
      const qkv = dense(x, this.cAttnKernel.read(), this.cAttnBias.read());
      const [q, kNew, vNew] = tf.split(qkv, 3, -1).map((t) => this.splitHeads(t, b, l));
      const key = (past ? tf.concat([past.key, kNew], 2) : kNew) as tf.Tensor4D;
      const value = (past ? tf.concat([past.value, vNew], 2) : vNew) as tf.Tensor4D;
      const lk = key.shape[2];
      if (mask && (mask.rank !== 2 || mask.shape[0] !== b || mask.shape[1] !== lk)) {
        throw new Bert4tfjsError(
          `Gpt2Attention ${this.name}: attention mask has shape [${mask.shape}], expected [${b}, ${lk}] (batch, past + new positions)`,
          'bad-shape',
        );
      }
      let scores = batchMatMul(tf.mul(q, this.scale), key, true);
      scores = tf.add(scores, tf.mul(tf.sub(1, causalMask(l, lk)), MASK_NEGATIVE));
      if (mask) {
        const m = tf.reshape(tf.cast(mask, 'float32'), [b, 1, 1, lk]);
        scores = tf.add(scores, tf.mul(tf.sub(1, m), MASK_NEGATIVE));
      }
      const probs = tf.softmax(scores, -1) as tf.Tensor4D;
      const dropped = training && this.dropout > 0 ? tf.dropout(probs, this.dropout) : probs;
      const context = tf.reshape(tf.transpose(batchMatMul(dropped, value), [0, 2, 1, 3]), [b, l, d]);
      const output = dense(context, this.cProjKernel.read(), this.cProjBias.read());
      return { output, probs, key, value };
    });
  }

  /** [B, L, H*d] -> [B, H, L, d] */
  private splitHeads(x: tf.Tensor, b: number, l: number): tf.Tensor4D {
    return tf.transpose(tf.reshape(x, [b, l, this.heads, -1]), [0, 2, 1, 3]) as tf.Tensor4D;
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      heads: this.heads,
      scale: this.scale,
      dropout: this.dropout,
      initializerRange: this.initializerRange,
      returnAttentions: this.returnAttentions,
    };
  }
}
registerLayer(Gpt2Attention);
