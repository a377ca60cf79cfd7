/**
 * Multi-head attention as one tfjs-layers layer. Inputs, in order: the hidden states (`x` for
 * self-attention, `q, kv` for cross-attention or `q, k, v`, as `sources` says), then an optional key
 * padding mask [B, Lk] (`maskInput`), then an optional additive attention bias (`biasInput`, e.g. T5
 * relative positions). One tensor is never passed twice: tfjs-layers' executor frees a tensor listed
 * twice in one node's inputs too early. The kernel between projections is chosen by `attention`
 * (softmax, or Performer when registered).
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../errors.ts';
import { dense } from '../ops/matmul.ts';
import { linear } from '../ops/linear.ts';
import { fusedSoftmaxAttention } from '../ops/fused-attention.ts';
import {
  causalMask,
  MASK_NEGATIVE,
  softmaxAttention,
  type AttentionKernel,
  type AttentionKernelInputs,
} from './attention-kernel.ts';
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

/** Which attention kernel to use. */
export type AttentionOption = { type: 'softmax' } | ({ type: string } & Record<string, unknown>);

/** Factories of non-softmax kernels, by `attention.type`; filled by the modules that provide them. */
const kernelFactories = new Map<string, (option: AttentionOption, layer: MultiHeadAttention) => AttentionKernel>();

/** Registers an attention kernel factory under `type` (Performer registers 'performer'). */
export function registerAttentionKernel(
  type: string,
  factory: (option: AttentionOption, layer: MultiHeadAttention) => AttentionKernel,
): void {
  kernelFactories.set(type, factory);
}

/** Options of {@link MultiHeadAttention}. */
export interface MultiHeadAttentionArgs extends LayerArgs {
  heads: number;
  headSize: number;
  /** How many hidden-state inputs: 1 = self-attention, 2 = (q, kv), 3 = (q, k, v). Default 1. */
  sources?: 1 | 2 | 3;
  /** Output dimension (defaults to the query input's dimension). */
  outDim?: number;
  useBias?: boolean;
  /** Scale scores by 1/sqrt(headSize) (false for T5). */
  scaleScores?: boolean;
  dropout?: number;
  maskInput?: boolean;
  biasInput?: boolean;
  causal?: boolean;
  initializerRange?: number;
  attention?: AttentionOption;
}

/**
 * Weights: `q_kernel`, `k_kernel`, `v_kernel` [D, H*d], `o_kernel` [H*d, out] and the matching
 * `*_bias` when `useBias`.
 */
export class MultiHeadAttention extends tf.layers.Layer {
  static className = 'bert4tfjs.MultiHeadAttention';
  readonly heads: number;
  readonly headSize: number;
  readonly sources: 1 | 2 | 3;
  outDim: number | null;
  readonly useBias: boolean;
  readonly scaleScores: boolean;
  readonly dropout: number;
  readonly maskInput: boolean;
  readonly biasInput: boolean;
  readonly causal: boolean;
  readonly initializerRange: number;
  readonly attention: AttentionOption;
  private kernel: AttentionKernel | null = null;
  private w: Record<string, tf.LayerVariable | null> = {};

  constructor(args: MultiHeadAttentionArgs) {
    super(args);
    if (!(args.heads >= 1) || !(args.headSize >= 1)) {
      throw new Bert4tfjsError(
        `MultiHeadAttention ${args.name ?? ''}: heads (${args.heads}) and headSize (${args.headSize}) must be >= 1`,
        'bad-config',
      );
    }
    this.heads = args.heads;
    this.headSize = args.headSize;
    this.sources = args.sources ?? 1;
    this.outDim = args.outDim ?? null;
    this.useBias = args.useBias ?? true;
    this.scaleScores = args.scaleScores ?? true;
    this.dropout = args.dropout ?? 0;
    this.maskInput = args.maskInput ?? false;
    this.biasInput = args.biasInput ?? false;
    this.causal = args.causal ?? false;
    this.initializerRange = args.initializerRange ?? 0.02;
    this.attention = args.attention ?? { type: 'softmax' };
    if (this.attention.type !== 'softmax' && !kernelFactories.has(this.attention.type)) {
      throw new Bert4tfjsError(
        `unknown attention type '${this.attention.type}' (known: softmax${[...kernelFactories.keys()].map((k) => `, ${k}`).join('')})`,
        'bad-config',
      );
    }
  }

  override build(inputShape: Shape | Shape[]): void {
    // Kernels with buffers (Performer's projection) allocate them with the weights; a bad kernel option
    // fails here, before any weight exists.
    this.attentionKernel();
    const shapes = inputShape as Shape[];
    const src = [0, this.sources > 1 ? 1 : 0, this.sources > 2 ? 2 : this.sources > 1 ? 1 : 0];
    const [qDim, kDim, vDim] = src.map((i) => shapes[i][shapes[i].length - 1] as number);
    const inner = this.heads * this.headSize;
    const out = this.outDim ?? qDim;
    this.outDim = out;
    const init = bertInitializer(this.initializerRange);
    const zeros = tf.initializers.zeros();
    const dims: Record<string, [number, number]> = {
      q: [qDim, inner],
      k: [kDim, inner],
      v: [vDim, inner],
      o: [inner, out],
    };
    for (const [p, shape] of Object.entries(dims)) {
      this.w[`${p}_kernel`] = this.addWeight(`${p}_kernel`, shape, 'float32', init);
      this.w[`${p}_bias`] = this.useBias ? this.addWeight(`${p}_bias`, [shape[1]], 'float32', zeros) : null;
    }
    this.built = true;
  }

  override dispose(): ReturnType<tf.layers.Layer['dispose']> {
    const result = super.dispose();
    if (result.refCountAfterDispose === 0) {
      this.kernel?.dispose?.();
      this.kernel = null;
    }
    return result;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const q = (inputShape as Shape[])[0];
    return [...q.slice(0, -1), this.outDim ?? (q[q.length - 1] as number)];
  }

  /** The kernel between projections (created once, on build or first use). */
  getAttentionKernel(): AttentionKernel {
    return this.attentionKernel();
  }

  private attentionKernel(): AttentionKernel {
    if (!this.kernel) {
      this.kernel =
        this.attention.type === 'softmax'
          ? softmaxAttention
          : kernelFactories.get(this.attention.type)!(this.attention, this);
    }
    return this.kernel;
  }

  private project(x: tf.Tensor, p: string): tf.Tensor {
    // Under a tape, `linear` (same values) frees its gradient's transposes at once.
    const project = tf.engine().isTapeOn() ? linear : dense;
    return project(x, this.w[`${p}_kernel`]!.read(), this.w[`${p}_bias`]?.read() ?? null);
  }

  /**
   * The kernel for this call: softmax attention under a gradient tape runs as one fused op that keeps
   * only q, k, v and the probabilities for the backward pass (ops/fused-attention.ts); otherwise the
   * configured kernel.
   */
  private kernelForCall(): AttentionKernel {
    return this.attention.type === 'softmax' && tf.engine().isTapeOn() ? fusedSoftmaxKernel : this.attentionKernel();
  }

  /** [B, L, H*d] -> [B, H, L, d] */
  private splitHeads(x: tf.Tensor): tf.Tensor {
    const [b, l] = x.shape as number[];
    return tf.transpose(tf.reshape(x, [b, l, this.heads, -1]), [0, 2, 1, 3]);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const list = asList(inputs);
      const expected = this.sources + (this.maskInput ? 1 : 0) + (this.biasInput ? 1 : 0);
      if (list.length !== expected) {
        throw new Bert4tfjsError(
          `MultiHeadAttention ${this.name}: expected ${expected} inputs (${['x', 'q, kv', 'q, k, v'][this.sources - 1]}${this.maskInput ? ', mask' : ''}${this.biasInput ? ', bias' : ''}), got ${list.length}`,
          'bad-input',
        );
      }
      const qIn = list[0];
      const kIn = list[this.sources > 1 ? 1 : 0];
      const vIn = list[this.sources - 1];
      let idx = this.sources;
      const keyMask = this.maskInput ? list[idx++] : null;
      const bias = this.biasInput ? list[idx++] : null;
      if (keyMask && (keyMask.rank !== 2 || keyMask.shape[1] !== kIn.shape[1] || keyMask.shape[0] !== kIn.shape[0])) {
        throw new Bert4tfjsError(
          `MultiHeadAttention ${this.name}: attention mask has shape [${keyMask.shape}], expected [${kIn.shape[0]}, ${kIn.shape[1]}] (batch, key length)`,
          'bad-shape',
        );
      }
      const q = this.splitHeads(this.project(qIn, 'q'));
      const k = this.splitHeads(this.project(kIn, 'k'));
      const v = this.splitHeads(this.project(vIn, 'v'));
      const context = this.kernelForCall()({
        q,
        k,
        v,
        keyMask,
        bias,
        causal: this.causal,
        scale: this.scaleScores ? 1 / Math.sqrt(this.headSize) : 1,
        dropout: this.dropout,
        training: isTraining(kwargs),
      });
      const [b, , lq] = context.shape as number[];
      const merged = tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [b, lq, -1]);
      return this.project(merged, 'o');
    });
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      heads: this.heads,
      headSize: this.headSize,
      sources: this.sources,
      outDim: this.outDim,
      useBias: this.useBias,
      scaleScores: this.scaleScores,
      dropout: this.dropout,
      maskInput: this.maskInput,
      biasInput: this.biasInput,
      causal: this.causal,
      initializerRange: this.initializerRange,
      attention: this.attention as unknown as LayerConfig,
    };
  }
}
registerLayer(MultiHeadAttention);

/** {@link softmaxAttention}'s function as the fused training op (masks built and added in the same order). */
export const fusedSoftmaxKernel: AttentionKernel = (inp: AttentionKernelInputs) =>
  tf.tidy(() => {
    const lq = inp.q.shape[2] as number;
    const lk = inp.k.shape[2] as number;
    const masks: tf.Tensor[] = [];
    if (inp.keyMask) {
      const m = tf.reshape(tf.cast(inp.keyMask, 'float32'), [inp.keyMask.shape[0] as number, 1, 1, lk]);
      masks.push(tf.mul(tf.sub(1, m), MASK_NEGATIVE));
    }
    if (inp.causal) masks.push(tf.mul(tf.sub(1, causalMask(lq, lk)), MASK_NEGATIVE));
    return fusedSoftmaxAttention(inp.q, inp.k, inp.v, {
      scale: inp.scale,
      bias: inp.bias,
      masks,
      dropout: inp.dropout > 0 && inp.training ? inp.dropout : 0,
    });
  });
