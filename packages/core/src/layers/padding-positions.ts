/**
 * Hugging Face RoBERTa's position ids: counted over the non-padding tokens and offset past the padding
 * id, `position = cumsum(id != pad) * (id != pad) + pad`, so real tokens get pad+1, pad+2, … and padding
 * gets `pad` itself (fairseq's convention, kept by every RoBERTa checkpoint). The embedding layer looks
 * the ids up itself: tfjs-layers passes float32 between layers, which an id lookup must not receive.
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../errors.ts';
import { embeddingLookup } from '../ops/gather.ts';
import { bertInitializer, registerLayer, type Kwargs, type LayerArgs, type LayerConfig, type Shape } from './base.ts';

/**
 * Position ids [B, L] (int32) of `ids` [B, L]; a sequence whose ids would reach `maxPositions` is an
 * error naming `layerName` and the longest length that fits.
 */
export function paddingOffsetPositionIds(
  ids: tf.Tensor,
  padTokenId: number,
  maxPositions: number,
  layerName: string,
): tf.Tensor {
  return tf.tidy(() => {
    // Position ids reach at most L + pad; checked on the shape so no data is read back.
    const length = ids.shape[1] as number;
    if (length + padTokenId >= maxPositions) {
      throw new Bert4tfjsError(
        `sequence length ${length} needs position ids up to ${length + padTokenId}, but max_position_embeddings is ${maxPositions} (layer ${layerName}: positions start after pad_token_id ${padTokenId}); truncate inputs to ${maxPositions - padTokenId - 1} tokens`,
        'too-long',
      );
    }
    const real = tf.cast(tf.notEqual(tf.cast(ids, 'int32'), padTokenId), 'int32');
    return tf.add(tf.mul(tf.cumsum(real, 1), real), tf.scalar(padTokenId, 'int32'));
  });
}

/** Options of {@link PaddingOffsetPositionIds} and {@link PaddingOffsetPositionEmbedding}. */
export interface PaddingOffsetPositionArgs extends LayerArgs {
  padTokenId: number;
  /** Rows of the position table: a position id at or past it is an error that says so. */
  maxPositions: number;
}

/** Input: input_ids [B, L]. Output: position ids [B, L] (int32), e.g. to report them. */
export class PaddingOffsetPositionIds extends tf.layers.Layer {
  static className = 'bert4tfjs.PaddingOffsetPositionIds';
  readonly padTokenId: number;
  readonly maxPositions: number;

  constructor(args: PaddingOffsetPositionArgs) {
    super(args);
    this.padTokenId = args.padTokenId;
    this.maxPositions = args.maxPositions;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return inputShape as Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    const ids = Array.isArray(inputs) ? inputs[0] : inputs;
    return paddingOffsetPositionIds(ids, this.padTokenId, this.maxPositions, this.name);
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), padTokenId: this.padTokenId, maxPositions: this.maxPositions };
  }
}
registerLayer(PaddingOffsetPositionIds);

/** Options of {@link PaddingOffsetPositionEmbedding}. */
export interface PaddingOffsetPositionEmbeddingArgs extends PaddingOffsetPositionArgs {
  outputDim: number;
  initializerRange?: number;
}

/** Input: input_ids [B, L]. Output: the position embeddings [B, L, D]. Weight: `embeddings` [maxPositions, D]. */
export class PaddingOffsetPositionEmbedding extends tf.layers.Layer {
  static className = 'bert4tfjs.PaddingOffsetPositionEmbedding';
  readonly padTokenId: number;
  readonly maxPositions: number;
  readonly outputDim: number;
  readonly initializerRange: number;
  private embeddings!: tf.LayerVariable;

  constructor(args: PaddingOffsetPositionEmbeddingArgs) {
    super(args);
    this.padTokenId = args.padTokenId;
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
    return [...(inputShape as Shape), this.outputDim];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const ids = Array.isArray(inputs) ? inputs[0] : inputs;
      const positions = paddingOffsetPositionIds(ids, this.padTokenId, this.maxPositions, this.name);
      return embeddingLookup(this.embeddings.read(), positions);
    });
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      padTokenId: this.padTokenId,
      maxPositions: this.maxPositions,
      outputDim: this.outputDim,
      initializerRange: this.initializerRange,
    };
  }
}
registerLayer(PaddingOffsetPositionEmbedding);
