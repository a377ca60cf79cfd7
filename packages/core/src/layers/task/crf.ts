/**
 * The CRF layer (bert4keras `ConditionalRandomField`): holds the transition matrix and passes emission
 * scores through, writing a large negative value at padded positions so the loss and the decoder can
 * recover the mask from its output alone (a tfjs loss function sees only yTrue and yPred).
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../../errors.ts';
import { registerLayer, type Kwargs, type LayerArgs, type LayerConfig, type Shape } from '../base.ts';
import { crfLoss, crfViterbi, type ViterbiPath } from './crf-ops.ts';

/** What padded positions of the layer's output hold (below CRF_PAD_THRESHOLD). */
const PAD_SCORE = -1e12;

/** Options of {@link ConditionalRandomField}. */
export type ConditionalRandomFieldArgs = LayerArgs;

/**
 * Called on emission scores [B, L, T] or `[scores, mask]` (mask [B, L], right-padded); returns the
 * scores, padded positions set to −1e12. Weight: `trans` [T, T] (trans[i, j] scores tag i -> tag j).
 * Use {@link ConditionalRandomField.loss} as the model's loss and {@link ConditionalRandomField.viterbiDecode}
 * to predict.
 */
export class ConditionalRandomField extends tf.layers.Layer {
  static className = 'bert4tfjs.ConditionalRandomField';
  private trans!: tf.LayerVariable;

  constructor(args: ConditionalRandomFieldArgs = {}) {
    super(args);
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = (Array.isArray(inputShape[0]) ? (inputShape as Shape[])[0] : inputShape) as Shape;
    const tags = s[s.length - 1] as number;
    this.trans = this.addWeight('trans', [tags, tags], 'float32', tf.initializers.glorotUniform({}));
    this.built = true;
  }

  /** The transition matrix (a live view, not a copy). */
  get transitions(): tf.Tensor {
    if (!this.built) throw new Bert4tfjsError(`${this.name}: the CRF is not built yet (apply it first)`, 'bad-state');
    return this.trans.read();
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return (Array.isArray(inputShape[0]) ? (inputShape as Shape[])[0] : inputShape) as Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const list = Array.isArray(inputs) ? inputs : [inputs];
      const [scores, mask] = list;
      if (!mask) return tf.clone(scores);
      const m = tf.expandDims(tf.cast(mask, 'float32'), -1);
      return tf.add(tf.mul(scores, m), tf.mul(tf.sub(1, m), PAD_SCORE));
    });
  }

  /**
   * The CRF negative log-likelihood as a tfjs loss (`model.compile({ loss: crf.loss })`): `yTrue` tag ids
   * [B, L] (or [B, L, 1]) or one-hot [B, L, T]; `yPred` this layer's output; mean over examples.
   */
  readonly loss = (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar => crfLoss(yPred, yTrue, this.transitions);

  /** Best tag paths (one per example, as long as its mask) for scores [B, L, T]; mask inferred when absent. */
  viterbiDecode(scores: tf.Tensor, mask?: tf.Tensor | null): number[][] {
    return this.viterbi(scores, mask).map((p) => p.tags);
  }

  /** Like {@link viterbiDecode} but with each path's score. */
  viterbi(scores: tf.Tensor, mask?: tf.Tensor | null): ViterbiPath[] {
    return crfViterbi(scores, this.transitions, mask);
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig() };
  }
}
registerLayer(ConditionalRandomField);
