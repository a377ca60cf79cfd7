/**
 * GlobalPointer (kexue.fm/archives/8373) and EfficientGlobalPointer (kexue.fm/archives/8877): score every
 * span (start m, end n) of a sequence at once, one [L, L] score matrix per entity type ("head"). Spans
 * with a padded end or start, or with n < m, get a large negative score. Train with
 * {@link globalPointerLoss} (multi-label cross-entropy over all L² spans); predict spans with score > 0.
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../../errors.ts';
import { dense, matMul } from '../../ops/matmul.ts';
import { multilabelCategoricalCrossentropy } from '../../train/losses/multilabel.ts';
import { bertInitializer, registerLayer, type Kwargs, type LayerArgs, type LayerConfig, type Shape } from '../base.ts';
import { applyRope } from './rope.ts';

/** The score of an excluded span (padding, lower triangle): exp of it is 0 in any log-sum-exp. */
export const SPAN_MASK_VALUE = -1e12;

/** Options shared by {@link GlobalPointer} and {@link EfficientGlobalPointer}. */
export interface GlobalPointerArgs extends LayerArgs {
  /** Number of span types (entity types, relations). */
  heads: number;
  /** Size of the start/end vectors whose dot product scores a span. */
  headSize: number;
  /** Rotary position embedding on the start/end vectors. Default true. */
  rope?: boolean;
  /** Biases in the projections. Default true. */
  useBias?: boolean;
  /** Exclude spans ending before they start (n < m). Default true. */
  trilMask?: boolean;
  /** Stddev of the truncated-normal kernel initializer. Default 0.02. */
  initializerRange?: number;
}

/**
 * Replaces excluded spans of `logits` [B, H, L, L] by {@link SPAN_MASK_VALUE}: positions where
 * `mask` [B, L] is 0 (as start or end) and, with `tril`, every n < m.
 */
export function maskSpanLogits(logits: tf.Tensor, mask: tf.Tensor | null, tril: boolean): tf.Tensor {
  return tf.tidy(() => {
    const length = logits.shape[2] as number;
    let keep: tf.Tensor | null = null;
    if (mask) {
      const m = tf.cast(mask, 'float32');
      const b = m.shape[0];
      keep = tf.mul(tf.reshape(m, [b, 1, length, 1]), tf.reshape(m, [b, 1, 1, length]));
    }
    if (tril) {
      const upper = tf.linalg.bandPart(tf.ones([length, length]), 0, -1);
      keep = keep ? tf.mul(keep, upper) : upper;
    }
    if (!keep) return tf.clone(logits);
    // x·keep + v·(1 − keep): an exact replacement whose gradient is zero on excluded spans.
    return tf.add(tf.mul(logits, keep), tf.mul(tf.sub(1, keep), SPAN_MASK_VALUE));
  });
}

/** Splits `[x]` or `[x, mask]` call inputs. */
function splitInputs(inputs: tf.Tensor | tf.Tensor[], name: string): { x: tf.Tensor; mask: tf.Tensor | null } {
  const list = Array.isArray(inputs) ? inputs : [inputs];
  if (list.length < 1 || list.length > 2)
    throw new Bert4tfjsError(`${name}: expected inputs x or [x, mask]`, 'bad-input');
  return { x: list[0], mask: list[1] ?? null };
}

function spanShape(inputShape: Shape | Shape[], heads: number): Shape {
  const s = (Array.isArray(inputShape[0]) ? (inputShape as Shape[])[0] : inputShape) as Shape;
  return [s[0], heads, s[1], s[1]];
}

/** Options and config shared by {@link GlobalPointer} and {@link EfficientGlobalPointer}. */
abstract class SpanPointerBase extends tf.layers.Layer {
  readonly heads: number;
  readonly headSize: number;
  readonly rope: boolean;
  readonly useBias: boolean;
  readonly trilMask: boolean;
  readonly initializerRange: number;

  constructor(args: GlobalPointerArgs) {
    super(args);
    this.heads = args.heads;
    this.headSize = args.headSize;
    this.rope = args.rope ?? true;
    this.useBias = args.useBias ?? true;
    this.trilMask = args.trilMask ?? true;
    this.initializerRange = args.initializerRange ?? 0.02;
    if (this.rope && this.headSize % 2 !== 0)
      throw new Bert4tfjsError(`${this.name}: RoPE needs an even headSize, got ${this.headSize}`, 'bad-config');
  }

  /** The hidden-state input's shape (first of [x, mask], or x alone). */
  protected hiddenShape(inputShape: Shape | Shape[]): Shape {
    return (Array.isArray(inputShape[0]) ? (inputShape as Shape[])[0] : inputShape) as Shape;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return spanShape(inputShape, this.heads);
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      heads: this.heads,
      headSize: this.headSize,
      rope: this.rope,
      useBias: this.useBias,
      trilMask: this.trilMask,
      initializerRange: this.initializerRange,
    };
  }
}

/**
 * GlobalPointer: hidden [B, L, D] (optionally with mask [B, L]) -> span scores [B, heads, L, L],
 * s_h(m, n) = (R_m q_{h,m}) · (R_n k_{h,n}) / √headSize, with q, k from one projection
 * (per head: first headSize units q, next headSize units k) and R the RoPE rotation.
 * Weights: `kernel` [D, heads·2·headSize], `bias`.
 */
export class GlobalPointer extends SpanPointerBase {
  static className = 'bert4tfjs.GlobalPointer';
  private kernel!: tf.LayerVariable;
  private bias: tf.LayerVariable | null = null;

  override build(inputShape: Shape | Shape[]): void {
    const s = this.hiddenShape(inputShape);
    const units = this.heads * 2 * this.headSize;
    this.kernel = this.addWeight(
      'kernel',
      [s[s.length - 1] as number, units],
      'float32',
      bertInitializer(this.initializerRange),
    );
    if (this.useBias) this.bias = this.addWeight('bias', [units], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const { x, mask } = splitInputs(inputs, this.name);
      const [b, l] = x.shape as number[];
      const d = this.headSize;
      const proj = tf.reshape(dense(x, this.kernel.read(), this.bias?.read() ?? null), [b, l, this.heads, 2 * d]);
      let q = tf.slice(proj, [0, 0, 0, 0], [b, l, this.heads, d]);
      let k = tf.slice(proj, [0, 0, 0, d], [b, l, this.heads, d]);
      if (this.rope) {
        q = applyRope(q);
        k = applyRope(k);
      }
      // [B, L, H, d] -> [B, H, L, d]; scores q kᵀ without transpose-flag matmuls.
      const qh = tf.transpose(q, [0, 2, 1, 3]);
      const kh = tf.transpose(k, [0, 2, 1, 3]);
      const logits = tf.div(matMul(qh, kh, false, true), Math.sqrt(d));
      return maskSpanLogits(logits, mask, this.trilMask);
    });
  }
}
registerLayer(GlobalPointer);

/**
 * EfficientGlobalPointer: one shared start/end projection for all heads plus a cheap per-head bias,
 * s_h(m, n) = (R_m q_m) · (R_n k_n) / √headSize + (a_{2h}(n) + a_{2h+1}(m)) / 2,
 * where p = x Wp + bp [B, L, 2·headSize] holds q at even units and k at odd units, and a = p Wq + bq
 * [B, L, 2·heads]. Weights: `p_kernel`, `p_bias`, `q_kernel`, `q_bias`.
 */
export class EfficientGlobalPointer extends SpanPointerBase {
  static className = 'bert4tfjs.EfficientGlobalPointer';
  private pKernel!: tf.LayerVariable;
  private pBias: tf.LayerVariable | null = null;
  private qKernel!: tf.LayerVariable;
  private qBias: tf.LayerVariable | null = null;

  override build(inputShape: Shape | Shape[]): void {
    const s = this.hiddenShape(inputShape);
    const init = bertInitializer(this.initializerRange);
    const p = 2 * this.headSize;
    this.pKernel = this.addWeight('p_kernel', [s[s.length - 1] as number, p], 'float32', init);
    this.qKernel = this.addWeight('q_kernel', [p, 2 * this.heads], 'float32', init);
    if (this.useBias) {
      this.pBias = this.addWeight('p_bias', [p], 'float32', tf.initializers.zeros());
      this.qBias = this.addWeight('q_bias', [2 * this.heads], 'float32', tf.initializers.zeros());
    }
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const { x, mask } = splitInputs(inputs, this.name);
      const [b, l] = x.shape as number[];
      const d = this.headSize;
      const h = this.heads;
      const p = dense(x, this.pKernel.read(), this.pBias?.read() ?? null);
      const pairs = tf.reshape(p, [b, l, d, 2]);
      let q = tf.reshape(tf.slice(pairs, [0, 0, 0, 0], [b, l, d, 1]), [b, l, d]);
      let k = tf.reshape(tf.slice(pairs, [0, 0, 0, 1], [b, l, d, 1]), [b, l, d]);
      if (this.rope) {
        q = applyRope(q);
        k = applyRope(k);
      }
      const shared = tf.expandDims(tf.div(matMul(q, k, false, true), Math.sqrt(d)), 1);
      // a [B, L, 2H] -> [B, H, 2, L]: unit 2h biases the end n, unit 2h+1 the start m.
      const a = tf.reshape(
        tf.transpose(tf.div(dense(p, this.qKernel.read(), this.qBias?.read() ?? null), 2), [0, 2, 1]),
        [b, h, 2, l],
      );
      const endBias = tf.reshape(tf.slice(a, [0, 0, 0, 0], [b, h, 1, l]), [b, h, 1, l]);
      const startBias = tf.reshape(tf.slice(a, [0, 0, 1, 0], [b, h, 1, l]), [b, h, l, 1]);
      return maskSpanLogits(tf.add(tf.add(shared, endBias), startBias), mask, this.trilMask);
    });
  }
}
registerLayer(EfficientGlobalPointer);

/**
 * The GlobalPointer training loss: multi-label categorical cross-entropy with each (example, head) as one
 * row over its L² spans. `yTrue` [B, H, L, L] holds 1 at gold spans (start, end), 0 elsewhere.
 */
export function globalPointerLoss(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const [b, h, l] = yPred.shape as number[];
    return multilabelCategoricalCrossentropy(tf.reshape(yTrue, [b * h, l * l]), tf.reshape(yPred, [b * h, l * l]));
  });
}

/** One predicted span: example, head (type), start and end token (inclusive), and its score. */
export interface SpanPrediction {
  batch: number;
  head: number;
  start: number;
  end: number;
  score: number;
}

/** Every span of `scores` [B, H, L, L] scoring above `threshold` (default 0), in index order. */
export function decodeSpans(scores: tf.Tensor, threshold = 0): SpanPrediction[] {
  const [b, h, l] = scores.shape as number[];
  const data = scores.dataSync();
  const out: SpanPrediction[] = [];
  for (let i = 0; i < data.length; i++) {
    if (data[i] <= threshold) continue;
    const end = i % l;
    const start = Math.floor(i / l) % l;
    const head = Math.floor(i / (l * l)) % h;
    const batch = Math.floor(i / (l * l * h));
    if (batch < b) out.push({ batch, head, start, end, score: data[i] });
  }
  return out;
}
