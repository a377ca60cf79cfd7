/**
 * T5's relative position bias: every (query, key) pair falls in a bucket by the signed distance
 * key − query (exact for short distances, log-spaced up to `maxDistance`, one bucket beyond), and each
 * bucket has one learned scalar per head, added to the attention scores. The encoder looks both ways
 * (`bidirectional`, half the buckets per side); the decoder only backwards.
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../errors.ts';
import { embeddingLookup } from '../ops/gather.ts';
import {
  asList,
  bertInitializer,
  registerLayer,
  type Kwargs,
  type LayerArgs,
  type LayerConfig,
  type Shape,
} from './base.ts';

/** How distances map to buckets (Hugging Face `relative_attention_num_buckets` / `_max_distance`). */
export interface RelativeBucketOptions {
  /** Buckets for both directions together when bidirectional. */
  numBuckets: number;
  /** Distances at or beyond this share the last bucket. */
  maxDistance: number;
  /** true: keys on either side get their own buckets (encoder); false: only the past counts (decoder). */
  bidirectional: boolean;
}

/**
 * The bucket of one signed distance `relative = key − query`. The log step is done in float32, as
 * PyTorch does, so bucket edges land where they do in Hugging Face T5.
 */
export function relativePositionBucket(relative: number, options: RelativeBucketOptions): number {
  let buckets = options.numBuckets;
  let base = 0;
  let distance: number;
  if (options.bidirectional) {
    buckets = Math.floor(buckets / 2);
    if (relative > 0) base = buckets;
    distance = Math.abs(relative);
  } else {
    // Future keys (relative > 0) all fall in bucket 0, like the current position.
    distance = Math.max(-relative, 0);
  }
  const maxExact = Math.floor(buckets / 2);
  if (distance < maxExact) return base + distance;
  const f = Math.fround;
  const ratio = f(f(distance) / maxExact);
  const scaled = f(f(f(Math.log(ratio)) / f(Math.log(options.maxDistance / maxExact))) * (buckets - maxExact));
  return base + Math.min(maxExact + Math.trunc(scaled), buckets - 1);
}

/**
 * Buckets `[qLen, kLen]` (row-major) for queries at positions `queryOffset .. queryOffset + qLen − 1`
 * against keys at `0 .. kLen − 1`; the offset serves incremental decoding, where one new query meets
 * every cached key.
 */
export function relativePositionBuckets(
  qLen: number,
  kLen: number,
  options: RelativeBucketOptions,
  queryOffset = 0,
): Int32Array {
  const out = new Int32Array(qLen * kLen);
  // A bucket depends only on the distance: compute each distance once.
  const memo = new Map<number, number>();
  for (let i = 0; i < qLen; i++) {
    for (let j = 0; j < kLen; j++) {
      const rel = j - (i + queryOffset);
      let b = memo.get(rel);
      if (b === undefined) {
        b = relativePositionBucket(rel, options);
        memo.set(rel, b);
      }
      out[i * kLen + j] = b;
    }
  }
  return out;
}

/** Options of {@link RelativePositionBias}. */
export interface RelativePositionBiasArgs extends LayerArgs {
  heads: number;
  /** Default 32. */
  numBuckets?: number;
  /** Default 128. */
  maxDistance?: number;
  /** true for an encoder, false for a causal decoder. */
  bidirectional: boolean;
  initializerRange?: number;
}

/**
 * The bias table of one T5 stack. Called on `[x]` (self-attention: query and key length from `x`'s
 * axis 1) or `[q, k]`, it returns the additive attention bias `[1, heads, Lq, Lk]` that every layer of
 * the stack shares. Weight: `embeddings` [numBuckets, heads] (Hugging Face `relative_attention_bias`).
 */
export class RelativePositionBias extends tf.layers.Layer {
  static className = 'bert4tfjs.RelativePositionBias';
  readonly heads: number;
  readonly numBuckets: number;
  readonly maxDistance: number;
  readonly bidirectional: boolean;
  readonly initializerRange: number;
  private embeddings!: tf.LayerVariable;

  constructor(args: RelativePositionBiasArgs) {
    super(args);
    this.heads = args.heads;
    this.numBuckets = args.numBuckets ?? 32;
    this.maxDistance = args.maxDistance ?? 128;
    this.bidirectional = args.bidirectional;
    this.initializerRange = args.initializerRange ?? 0.02;
    const minBuckets = this.bidirectional ? 4 : 2;
    if (!Number.isInteger(this.numBuckets) || this.numBuckets < minBuckets) {
      throw new Bert4tfjsError(
        `RelativePositionBias ${args.name ?? ''}: numBuckets must be an integer >= ${minBuckets}, got ${this.numBuckets}`,
        'bad-config',
      );
    }
    const maxExact = Math.floor((this.bidirectional ? this.numBuckets / 2 : this.numBuckets) / 2);
    if (!(this.maxDistance > maxExact)) {
      throw new Bert4tfjsError(
        `RelativePositionBias ${args.name ?? ''}: maxDistance ${this.maxDistance} must exceed the ${maxExact} exact buckets`,
        'bad-config',
      );
    }
  }

  /** The bucket options of this table. */
  get bucketOptions(): RelativeBucketOptions {
    return { numBuckets: this.numBuckets, maxDistance: this.maxDistance, bidirectional: this.bidirectional };
  }

  override build(_inputShape: Shape | Shape[]): void {
    this.embeddings = this.addWeight(
      'embeddings',
      [this.numBuckets, this.heads],
      'float32',
      bertInitializer(this.initializerRange),
    );
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shapes = Array.isArray(inputShape[0]) ? (inputShape as Shape[]) : [inputShape as Shape];
    return [1, this.heads, shapes[0][1], shapes[shapes.length - 1][1]];
  }

  /**
   * The bias `[1, heads, qLen, kLen]` for queries starting at position `queryOffset` (0 for a full
   * sequence, the cache length when decoding one token at a time).
   */
  bias(qLen: number, kLen: number, queryOffset = 0): tf.Tensor4D {
    return tf.tidy(() => {
      const buckets = tf.tensor2d(
        relativePositionBuckets(qLen, kLen, this.bucketOptions, queryOffset),
        [qLen, kLen],
        'int32',
      );
      // [q, k, H] -> [1, H, q, k]
      const values = embeddingLookup(this.embeddings.read(), buckets);
      return tf.expandDims(tf.transpose(values, [2, 0, 1]), 0) as tf.Tensor4D;
    });
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    const list = asList(inputs);
    if (list.length < 1 || list.length > 2 || list.some((t) => t.rank < 2)) {
      throw new Bert4tfjsError(
        `RelativePositionBias ${this.name}: expected [x] or [q, k] with a length axis 1, got ${list.length} input(s)`,
        'bad-input',
      );
    }
    return this.bias(list[0].shape[1] as number, list[list.length - 1].shape[1] as number);
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      heads: this.heads,
      numBuckets: this.numBuckets,
      maxDistance: this.maxDistance,
      bidirectional: this.bidirectional,
      initializerRange: this.initializerRange,
    };
  }
}
registerLayer(RelativePositionBias);
