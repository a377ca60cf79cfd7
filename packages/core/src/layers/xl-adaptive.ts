/**
 * Transformer-XL's adaptive input embedding and its adaptive softmax, as ONE layer so the output head can
 * share (tie) the embedding tables and projections for real, also while training: called on integer ids
 * it embeds, called a second time on float hidden states it returns the output logits (bert4keras's
 * `Embedding(mode='dense')` trick, extended to vocabulary buckets).
 *
 * Buckets: token ranges `[0, c1), [c1, c2), ..., [ck, V)` from `cutoffs`; bucket i has width
 * `dEmbed / divVal^i` and a projection to `dProj`. With `divVal` 1 there is one table (and a projection
 * only when `dEmbed != dProj`).
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../errors.ts';
import { embeddingLookup } from '../ops/gather.ts';
import { dense } from '../ops/matmul.ts';
import { bertInitializer, registerLayer, type Kwargs, type LayerArgs, type LayerConfig, type Shape } from './base.ts';

/** Options of {@link XlAdaptiveEmbedding}. */
export interface XlAdaptiveEmbeddingArgs extends LayerArgs {
  vocabSize: number;
  /** Width of the first bucket's table (Hugging Face `d_embed`). */
  dEmbed: number;
  /** Model width (Hugging Face `d_model`). */
  dProj: number;
  /** Bucket boundaries, without 0 and without vocabSize (Hugging Face `cutoffs`). */
  cutoffs?: number[];
  divVal?: number;
  /** Per bucket: the softmax reuses the embedding projection (Hugging Face `tie_projs`). */
  tieProjs?: boolean[];
  /** The softmax reuses the embedding tables (Hugging Face `tie_word_embeddings`, default true). */
  tieWeights?: boolean;
  initializerRange?: number;
}

/**
 * Weights (bucket i; names never end in a digit, which tfjs's variable uniquifier would clash with):
 * `bucket{i}_emb` [n_i, d_i], `bucket{i}_emb_proj` [d_i, dProj] (our kernel layout: Hugging Face
 * `emb_projs.i` transposed), `out_bias` [V] (divVal 1) or `bucket{i}_out_bias` [n_i],
 * `bucket{i}_out_weight` when untied, `bucket{i}_out_proj` [dProj, d_i] (Hugging Face layout) when
 * present and untied, and `cluster_weight` [k, dEmbed], `cluster_bias` [k] when there are k > 0 cutoffs.
 */
export class XlAdaptiveEmbedding extends tf.layers.Layer {
  static className = 'bert4tfjs.XlAdaptiveEmbedding';
  readonly vocabSize: number;
  readonly dEmbed: number;
  readonly dProj: number;
  readonly cutoffs: number[];
  readonly divVal: number;
  readonly tieProjs: boolean[];
  readonly tieWeights: boolean;
  readonly initializerRange: number;
  private w = new Map<string, tf.LayerVariable>();

  constructor(args: XlAdaptiveEmbeddingArgs) {
    super(args);
    this.vocabSize = args.vocabSize;
    this.dEmbed = args.dEmbed;
    this.dProj = args.dProj;
    this.cutoffs = [...(args.cutoffs ?? [])];
    this.divVal = args.divVal ?? 1;
    this.tieWeights = args.tieWeights ?? true;
    this.initializerRange = args.initializerRange ?? 0.02;
    const ends = this.ends;
    if (ends.some((e, i) => i > 0 && !(Number.isInteger(e) && e > ends[i - 1]))) {
      throw new Bert4tfjsError(
        `XlAdaptiveEmbedding ${args.name ?? ''}: cutoffs [${this.cutoffs}] must increase strictly inside (0, vocab_size ${this.vocabSize})`,
        'bad-config',
      );
    }
    if (!Number.isInteger(this.divVal) || this.divVal < 1) {
      throw new Bert4tfjsError(
        `XlAdaptiveEmbedding ${args.name ?? ''}: div_val must be an integer >= 1, got ${this.divVal}`,
        'bad-config',
      );
    }
    for (let i = 0; i < this.buckets; i++) {
      if (this.width(i) < 1)
        throw new Bert4tfjsError(
          `XlAdaptiveEmbedding ${args.name ?? ''}: d_embed ${this.dEmbed} / div_val^${i} is below 1`,
          'bad-config',
        );
    }
    this.tieProjs = Array.from({ length: this.buckets }, (_, i) => args.tieProjs?.[i] ?? false);
  }

  /** Bucket boundaries `[0, ...cutoffs, vocabSize]`. */
  get ends(): number[] {
    return [0, ...this.cutoffs, this.vocabSize];
  }

  /** Number of vocabulary buckets (cutoffs + 1). */
  get buckets(): number {
    return this.cutoffs.length + 1;
  }

  /** Embedding width of bucket `i`. */
  width(i: number): number {
    return Math.floor(this.dEmbed / this.divVal ** i);
  }

  /** Whether bucket `i`'s embedding has a projection (always when divVal > 1). */
  hasEmbProj(i: number): boolean {
    return this.divVal > 1 ? true : i === 0 && this.dEmbed !== this.dProj;
  }

  /** Whether the softmax of bucket `i` projects the hidden state first. */
  hasOutProj(_i: number): boolean {
    return this.divVal > 1 || this.dEmbed !== this.dProj;
  }

  override build(_inputShape: Shape | Shape[]): void {
    const init = bertInitializer(this.initializerRange);
    const zeros = tf.initializers.zeros();
    const add = (name: string, shape: number[], i = init) =>
      this.w.set(name, this.addWeight(name, shape, 'float32', i));
    const tables = this.divVal === 1 ? 1 : this.buckets;
    const ends = this.ends;
    for (let i = 0; i < tables; i++) {
      const rows = this.divVal === 1 ? this.vocabSize : ends[i + 1] - ends[i];
      add(`bucket${i}_emb`, [rows, this.width(i)]);
      if (this.hasEmbProj(i)) add(`bucket${i}_emb_proj`, [this.width(i), this.dProj]);
      if (!this.tieWeights) add(`bucket${i}_out_weight`, [rows, this.width(i)]);
      if (this.divVal > 1) add(`bucket${i}_out_bias`, [rows], zeros);
    }
    if (this.divVal === 1) add('out_bias', [this.vocabSize], zeros);
    for (let i = 0; i < this.buckets; i++) {
      if (this.hasOutProj(i) && !this.tieProjs[i])
        add(`bucket${i}_out_proj`, [this.dProj, this.width(this.divVal === 1 ? 0 : i)]);
    }
    if (this.cutoffs.length > 0) {
      add('cluster_weight', [this.cutoffs.length, this.dEmbed]);
      add('cluster_bias', [this.cutoffs.length], zeros);
    }
    this.built = true;
  }

  private read(name: string): tf.Tensor {
    return this.w.get(name)!.read();
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = inputShape as Shape;
    if (shape.length === 3 && shape[2] === this.dProj) return [shape[0], shape[1], this.vocabSize];
    return [...shape, this.dProj];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return x.dtype === 'float32' ? this.logits(x) : this.embed(x);
  }

  /** Integer ids `[B, L]` -> embeddings `[B, L, dProj]`, scaled by sqrt(dProj). */
  embed(ids: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const scale = Math.sqrt(this.dProj);
      if (this.divVal === 1) {
        let e = embeddingLookup(this.read('bucket0_emb'), ids);
        if (this.hasEmbProj(0)) e = dense(e, this.read('bucket0_emb_proj'), null);
        return tf.mul(e, scale);
      }
      // Every bucket looks up every token (ids clipped into its range) and masks the rest: simple, and
      // gradients reach only the rows actually used.
      const ends = this.ends;
      const int = tf.cast(ids, 'int32');
      let out: tf.Tensor | null = null;
      for (let i = 0; i < this.buckets; i++) {
        const inBucket = tf.logicalAnd(tf.greaterEqual(int, ends[i]), tf.less(int, ends[i + 1]));
        const local = tf.clipByValue(tf.sub(int, ends[i]), 0, ends[i + 1] - ends[i] - 1);
        const e = dense(embeddingLookup(this.read(`bucket${i}_emb`), local), this.read(`bucket${i}_emb_proj`), null);
        const part = tf.mul(e, tf.expandDims(tf.cast(inBucket, 'float32'), -1));
        out = out ? tf.add(out, part) : part;
      }
      return tf.mul(out!, scale);
    });
  }

  /** Bucket i's output table, bias and projection ([dProj, d_i] applied as h·P, or null). */
  private outParams(i: number): { weight: tf.Tensor; bias: tf.Tensor; proj: tf.Tensor | null } {
    const ends = this.ends;
    let weight: tf.Tensor;
    let bias: tf.Tensor;
    if (this.divVal === 1) {
      const table = this.read(this.tieWeights ? 'bucket0_emb' : 'bucket0_out_weight');
      weight = tf.slice(table, [ends[i], 0], [ends[i + 1] - ends[i], this.dEmbed]);
      bias = tf.slice(this.read('out_bias'), [ends[i]], [ends[i + 1] - ends[i]]);
    } else {
      weight = this.read(this.tieWeights ? `bucket${i}_emb` : `bucket${i}_out_weight`);
      bias = this.read(`bucket${i}_out_bias`);
    }
    let proj: tf.Tensor | null = null;
    if (this.hasOutProj(i)) {
      // A tied projection is the embedding's [d_i, dProj] kernel used the other way round.
      proj = this.tieProjs[i]
        ? tf.transpose(this.read(`bucket${this.divVal === 1 ? 0 : i}_emb_proj`))
        : this.read(`bucket${i}_out_proj`);
    }
    return { weight, bias, proj };
  }

  /**
   * Hidden states `[B, L, dProj]` -> `[B, L, V]`. Without cutoffs these are the plain logits
   * `(h·P)·Wᵀ + b`; with cutoffs they are the adaptive softmax's log-probabilities (which are logits
   * too: softmax of them gives the same distribution).
   */
  logits(h: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const logit = (p: { weight: tf.Tensor; bias: tf.Tensor; proj: tf.Tensor | null }) =>
        dense(p.proj ? dense(h, p.proj, null) : h, tf.transpose(p.weight), p.bias);
      if (this.cutoffs.length === 0) return logit(this.outParams(0));
      const head = this.outParams(0);
      const headLp = tf.logSoftmax(
        logit({
          weight: tf.concat([head.weight, this.read('cluster_weight')], 0),
          bias: tf.concat([head.bias, this.read('cluster_bias')], 0),
          proj: head.proj,
        }),
      );
      const shortlist = this.cutoffs[0];
      const lead = headLp.shape.slice(0, -1);
      const take = (start: number, size: number) => tf.slice(headLp, [...lead.map(() => 0), start], [...lead, size]);
      const parts: tf.Tensor[] = [take(0, shortlist)];
      for (let i = 1; i < this.buckets; i++) {
        const tail = tf.logSoftmax(logit(this.outParams(i)));
        parts.push(tf.add(take(shortlist + i - 1, 1), tail));
      }
      return tf.concat(parts, -1);
    });
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      vocabSize: this.vocabSize,
      dEmbed: this.dEmbed,
      dProj: this.dProj,
      cutoffs: this.cutoffs,
      divVal: this.divVal,
      tieProjs: this.tieProjs,
      tieWeights: this.tieWeights,
      initializerRange: this.initializerRange,
    };
  }
}
registerLayer(XlAdaptiveEmbedding);
