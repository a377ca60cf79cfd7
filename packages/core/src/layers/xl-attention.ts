/**
 * Transformer-XL's relative multi-head attention ("RelPartialLearnable"): queries come from the current
 * segment, keys and values from (memory ++ segment); the score of query i and key j is
 * `(q_i + u)·k_j + (q_i + v)·W_r R_{i-j}` where R are sinusoids of the distance, u (`r_w_bias`) a learned
 * content bias and v (`r_r_bias`) a learned position bias. Layout is batch-first throughout.
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../errors.ts';
import { dense, matMul } from '../ops/matmul.ts';
import { MASK_NEGATIVE } from './attention-kernel.ts';
import {
  asList,
  bertInitializer,
  isTraining,
  registerLayer,
  type Kwargs,
  type LayerArgs,
  type LayerConfig,
  type Shape,
} from './base.ts';
import { relShift, xlAttentionMask } from './xl-positions.ts';

export * from './xl-positions.ts';
export * from './xl-memory.ts';
export * from './xl-adaptive.ts';

/** Options of {@link XlRelativeAttention}. */
export interface XlRelativeAttentionArgs extends LayerArgs {
  heads: number;
  headSize: number;
  /** Whether a memory `[B, M, D]` is the second input (false when mem_len is 0). */
  memInput?: boolean;
  /** Take r_w_bias / r_r_bias as the last two inputs (shared across layers, `untie_r: false`). */
  sharedBiases?: boolean;
  /** Dropout on attention probabilities (Hugging Face `dropatt`). */
  attentionDropout?: number;
  /** Hide keys older than the memory length for every query (Hugging Face `same_length`). */
  sameLength?: boolean;
  /** mem_len, used by `sameLength`. */
  memLen?: number;
  initializerRange?: number;
}

/**
 * Inputs, in order: hidden `[B, L, D]`, memory `[B, M, D]` (when `memInput`), position sinusoids
 * `[1, M+L, D]`, then `r_w_bias`, `r_r_bias` `[H, d]` (when `sharedBiases`). Output `[B, L, D]` (before
 * the residual). Weights: `qkv_kernel` [D, 3·H·d] (q, k, v blocks in that order), `r_kernel` [D, H·d],
 * `o_kernel` [H·d, D], and `r_w_bias`, `r_r_bias` [H, d] unless shared. No projection biases.
 */
export class XlRelativeAttention extends tf.layers.Layer {
  static className = 'bert4tfjs.XlRelativeAttention';
  readonly heads: number;
  readonly headSize: number;
  readonly memInput: boolean;
  readonly sharedBiases: boolean;
  readonly attentionDropout: number;
  readonly sameLength: boolean;
  readonly memLen: number;
  readonly initializerRange: number;
  private w: Record<string, tf.LayerVariable> = {};

  constructor(args: XlRelativeAttentionArgs) {
    super(args);
    if (!(args.heads >= 1) || !(args.headSize >= 1)) {
      throw new Bert4tfjsError(
        `XlRelativeAttention ${args.name ?? ''}: heads (${args.heads}) and headSize (${args.headSize}) must be >= 1`,
        'bad-config',
      );
    }
    this.heads = args.heads;
    this.headSize = args.headSize;
    this.memInput = args.memInput ?? true;
    this.sharedBiases = args.sharedBiases ?? false;
    this.attentionDropout = args.attentionDropout ?? 0;
    this.sameLength = args.sameLength ?? false;
    this.memLen = args.memLen ?? 0;
    this.initializerRange = args.initializerRange ?? 0.02;
  }

  private get expectedInputs(): number {
    return 2 + (this.memInput ? 1 : 0) + (this.sharedBiases ? 2 : 0);
  }

  override build(inputShape: Shape | Shape[]): void {
    const d = (inputShape as Shape[])[0][2] as number;
    const inner = this.heads * this.headSize;
    const init = bertInitializer(this.initializerRange);
    this.w.qkv_kernel = this.addWeight('qkv_kernel', [d, 3 * inner], 'float32', init);
    this.w.r_kernel = this.addWeight('r_kernel', [d, inner], 'float32', init);
    this.w.o_kernel = this.addWeight('o_kernel', [inner, d], 'float32', init);
    if (!this.sharedBiases) {
      this.w.r_w_bias = this.addWeight('r_w_bias', [this.heads, this.headSize], 'float32', init);
      this.w.r_r_bias = this.addWeight('r_r_bias', [this.heads, this.headSize], 'float32', init);
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return (inputShape as Shape[])[0];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const list = asList(inputs);
      if (list.length !== this.expectedInputs) {
        throw new Bert4tfjsError(
          `XlRelativeAttention ${this.name}: expected ${this.expectedInputs} inputs (hidden${this.memInput ? ', mems' : ''}, positions${this.sharedBiases ? ', r_w_bias, r_r_bias' : ''}), got ${list.length}`,
          'bad-input',
        );
      }
      let idx = 0;
      const h = list[idx++];
      const mems = this.memInput ? list[idx++] : null;
      const pos = list[idx++];
      const rw = this.sharedBiases ? list[idx++] : this.w.r_w_bias.read();
      const rr = this.sharedBiases ? list[idx++] : this.w.r_r_bias.read();
      const [b, lq, dm] = h.shape as number[];
      if (mems && (mems.rank !== 3 || mems.shape[0] !== b || mems.shape[2] !== dm)) {
        throw new Bert4tfjsError(
          `XlRelativeAttention ${this.name}: memory has shape [${mems.shape}], expected [${b}, M, ${dm}]`,
          'bad-shape',
        );
      }
      const cat = mems ? tf.concat([mems, h], 1) : h;
      const klen = cat.shape[1] as number;
      if (pos.shape[1] !== klen) {
        throw new Bert4tfjsError(
          `XlRelativeAttention ${this.name}: ${pos.shape[1]} position embeddings for ${klen} keys`,
          'bad-shape',
        );
      }
      const H = this.heads;
      const d = this.headSize;
      const inner = H * d;
      const heads = dense(cat, this.w.qkv_kernel.read(), null);
      const q = tf.reshape(tf.slice(heads, [0, klen - lq, 0], [b, lq, inner]), [b, lq, H, d]);
      const toBhld = (t: tf.Tensor, len: number) => tf.transpose(tf.reshape(t, [b, len, H, d]), [0, 2, 1, 3]);
      const k = toBhld(tf.slice(heads, [0, 0, inner], [b, klen, inner]), klen);
      const v = toBhld(tf.slice(heads, [0, 0, 2 * inner], [b, klen, inner]), klen);

      // Content term (q + u)·k: [B, H, L, K].
      const ac = matMul(tf.transpose(tf.add(q, rw), [0, 2, 1, 3]), k, false, true);
      // Position term (q + v)·W_r R, computed per distance then shifted to per key.
      const r = tf.transpose(
        tf.reshape(dense(tf.reshape(pos, [klen, dm]), this.w.r_kernel.read(), null), [klen, H, d]),
        [1, 2, 0],
      );
      const qr = tf.reshape(tf.transpose(tf.add(q, rr), [2, 0, 1, 3]), [H, b * lq, d]);
      const bdRaw = tf.transpose(tf.reshape(matMul(qr, r), [H, b, lq, klen]), [1, 0, 2, 3]);
      const bd = relShift(bdRaw);

      let scores = tf.mul(tf.add(ac, bd), 1 / Math.sqrt(d));
      const mask = xlAttentionMask(lq, klen, this.sameLength, this.memLen);
      scores = tf.add(scores, tf.mul(tf.sub(1, mask), MASK_NEGATIVE));
      let probs = tf.softmax(scores, -1);
      if (this.attentionDropout > 0 && isTraining(kwargs)) probs = tf.dropout(probs, this.attentionDropout);
      const ctx = matMul(probs, v);
      const merged = tf.reshape(tf.transpose(ctx, [0, 2, 1, 3]), [b, lq, inner]);
      return dense(merged, this.w.o_kernel.read(), null);
    });
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      heads: this.heads,
      headSize: this.headSize,
      memInput: this.memInput,
      sharedBiases: this.sharedBiases,
      attentionDropout: this.attentionDropout,
      sameLength: this.sameLength,
      memLen: this.memLen,
      initializerRange: this.initializerRange,
    };
  }
}
registerLayer(XlRelativeAttention);

/** Options of {@link XlRelativeBias}. */
export interface XlRelativeBiasArgs extends LayerArgs {
  heads: number;
  headSize: number;
  initializerRange?: number;
}

/**
 * The content and position biases shared by every layer (`untie_r: false`). Called on any tensor, it
 * returns `[r_w_bias, r_r_bias]`, each `[H, d]`. Weights: `r_w_bias`, `r_r_bias`.
 */
export class XlRelativeBias extends tf.layers.Layer {
  static className = 'bert4tfjs.XlRelativeBias';
  readonly heads: number;
  readonly headSize: number;
  readonly initializerRange: number;
  private rw!: tf.LayerVariable;
  private rr!: tf.LayerVariable;

  constructor(args: XlRelativeBiasArgs) {
    super(args);
    this.heads = args.heads;
    this.headSize = args.headSize;
    this.initializerRange = args.initializerRange ?? 0.02;
  }

  override build(_inputShape: Shape | Shape[]): void {
    const init = bertInitializer(this.initializerRange);
    this.rw = this.addWeight('r_w_bias', [this.heads, this.headSize], 'float32', init);
    this.rr = this.addWeight('r_r_bias', [this.heads, this.headSize], 'float32', init);
    this.built = true;
  }

  override computeOutputShape(_inputShape: Shape | Shape[]): Shape[] {
    return [
      [this.heads, this.headSize],
      [this.heads, this.headSize],
    ];
  }

  override call(_inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor[] {
    // Copies: the graph executor may dispose a layer's outputs, which must never be the variables.
    return tf.tidy(() => [tf.clone(this.rw.read()), tf.clone(this.rr.read())]);
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      heads: this.heads,
      headSize: this.headSize,
      initializerRange: this.initializerRange,
    };
  }
}
registerLayer(XlRelativeBias);
