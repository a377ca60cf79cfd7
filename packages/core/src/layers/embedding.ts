/**
 * Embeddings. One `Embedding` layer serves token and segment lookups and, called a second time on hidden
 * states (rank 3, float), acts as the tied output projection `h Eᵀ` (the MLM decoder of BERT, T5's tied LM
 * head) — bert4keras's `Embedding(mode='dense')`, told apart here by the input's rank.
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../errors.ts';
import { embeddingLookup } from '../ops/gather.ts';
import { dense } from '../ops/matmul.ts';
import { bertInitializer, registerLayer, type Kwargs, type LayerArgs, type LayerConfig, type Shape } from './base.ts';

/** Options of {@link Embedding}. */
export interface EmbeddingArgs extends LayerArgs {
  inputDim: number;
  outputDim: number;
  initializerRange?: number;
}

/**
 * Token/segment embedding. Integer ids `[B, L]` -> `[B, L, D]`; float hidden states `[B, L, D]` ->
 * logits `[B, L, V]` through the same (tied) matrix. Weight: `embeddings` [V, D].
 */
export class Embedding extends tf.layers.Layer {
  static className = 'bert4tfjs.Embedding';
  readonly inputDim: number;
  readonly outputDim: number;
  readonly initializerRange: number;
  private embeddings!: tf.LayerVariable;

  constructor(args: EmbeddingArgs) {
    super(args);
    this.inputDim = args.inputDim;
    this.outputDim = args.outputDim;
    this.initializerRange = args.initializerRange ?? 0.02;
  }

  override build(_inputShape: Shape | Shape[]): void {
    this.embeddings = this.addWeight(
      'embeddings',
      [this.inputDim, this.outputDim],
      'float32',
      bertInitializer(this.initializerRange),
    );
    this.built = true;
  }

  /** The embedding matrix (a live view, not a copy). */
  get table(): tf.Tensor {
    return this.embeddings.read();
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = inputShape as Shape;
    if (shape.length === 3 && shape[2] === this.outputDim) return [shape[0], shape[1], this.inputDim];
    return [...shape, this.outputDim];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const table = this.embeddings.read();
      if (x.dtype === 'float32') {
        // Tied output projection: h Eᵀ.
        return dense(x, tf.transpose(table));
      }
      return embeddingLookup(table, x);
    });
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      inputDim: this.inputDim,
      outputDim: this.outputDim,
      initializerRange: this.initializerRange,
    };
  }
}
registerLayer(Embedding);

/** Options of {@link PositionEmbedding}. */
export interface PositionEmbeddingArgs extends LayerArgs {
  maxPositions: number;
  outputDim: number;
  initializerRange?: number;
}

/**
 * Learned absolute position embeddings added to the input `[B, L, D]` (positions 0..L-1).
 * Weight: `embeddings` [maxPositions, D]. A sequence longer than maxPositions is an error that says so.
 */
export class PositionEmbedding extends tf.layers.Layer {
  static className = 'bert4tfjs.PositionEmbedding';
  readonly maxPositions: number;
  readonly outputDim: number;
  readonly initializerRange: number;
  private embeddings!: tf.LayerVariable;

  constructor(args: PositionEmbeddingArgs) {
    super(args);
    this.maxPositions = args.maxPositions;
    this.outputDim = args.outputDim;
    this.initializerRange = args.initializerRange ?? 0.02;
  }

  override build(_inputShape: Shape | Shape[]): void {
    this.embeddings = this.addWeight(
      'embeddings',
      [this.maxPositions, this.outputDim],
      'float32',
      bertInitializer(this.initializerRange),
    );
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return inputShape as Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const length = x.shape[1] as number;
      if (length > this.maxPositions) {
        throw new Bert4tfjsError(
          `sequence length ${length} exceeds max_position_embeddings ${this.maxPositions} (layer ${this.name}); truncate inputs with maxLength`,
          'too-long',
        );
      }
      const pos = tf.slice(this.embeddings.read(), [0, 0], [length, this.outputDim]);
      return tf.add(x, tf.expandDims(pos, 0));
    });
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      maxPositions: this.maxPositions,
      outputDim: this.outputDim,
      initializerRange: this.initializerRange,
    };
  }
}
registerLayer(PositionEmbedding);
