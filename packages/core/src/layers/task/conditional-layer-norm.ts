/**
 * Conditional layer normalization (bert4keras `layer_norm_cond`): a condition vector [B, C] shifts the
 * scale and offset of a layer norm, gamma' = gamma + c·Wγ and beta' = beta + c·Wβ. Wγ and Wβ start at
 * zero, so a pretrained model loaded into conditional norms computes exactly what it did before.
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../../errors.ts';
import { getActivation } from '../../ops/activations.ts';
import { dense } from '../../ops/matmul.ts';
import { registerLayer, type Kwargs, type LayerArgs, type LayerConfig, type Shape } from '../base.ts';

/** Options of {@link ConditionalLayerNormalization}. */
export interface ConditionalLayerNormArgs extends LayerArgs {
  /** Added to the variance before the square root. Default 1e-12 (BERT). */
  epsilon?: number;
  /** Learn an offset beta (and its conditional shift). Default true. */
  center?: boolean;
  /** Learn a scale gamma (and its conditional shift). Default true. */
  scale?: boolean;
  /** Project the condition to this many units first (bert4keras `hidden_units`); null = use it as is. */
  hiddenUnits?: number | null;
  /** Activation of that projection. Default 'linear'. */
  hiddenActivation?: string;
}

/**
 * Layer norm over the last axis of `x`, called on `[x, condition]` with `x` [B, ..., D] and `condition`
 * [B, C]. Weights: `gamma`, `beta` (named as in {@link LayerNormalization}, so checkpoints map onto them),
 * `gamma_dense` / `beta_dense` [C', D] zero-initialised, and `hidden_kernel` [C, hiddenUnits] when set.
 */
export class ConditionalLayerNormalization extends tf.layers.Layer {
  static className = 'bert4tfjs.ConditionalLayerNormalization';
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly hiddenUnits: number | null;
  readonly hiddenActivation: string;
  private gamma: tf.LayerVariable | null = null;
  private beta: tf.LayerVariable | null = null;
  private gammaDense: tf.LayerVariable | null = null;
  private betaDense: tf.LayerVariable | null = null;
  private hiddenKernel: tf.LayerVariable | null = null;

  constructor(args: ConditionalLayerNormArgs = {}) {
    super(args);
    this.epsilon = args.epsilon ?? 1e-12;
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    this.hiddenUnits = args.hiddenUnits ?? null;
    this.hiddenActivation = args.hiddenActivation ?? 'linear';
    getActivation(this.hiddenActivation);
  }

  override build(inputShape: Shape | Shape[]): void {
    const shapes = inputShape as Shape[];
    if (!Array.isArray(shapes[0]) || shapes.length !== 2) {
      throw new Bert4tfjsError(`${this.name}: call a ConditionalLayerNormalization on [x, condition]`, 'bad-argument');
    }
    const [xShape, cShape] = shapes;
    const dim = xShape[xShape.length - 1] as number;
    let condDim = cShape[cShape.length - 1] as number;
    if (this.hiddenUnits) {
      this.hiddenKernel = this.addWeight(
        'hidden_kernel',
        [condDim, this.hiddenUnits],
        'float32',
        tf.initializers.glorotUniform({}),
      );
      condDim = this.hiddenUnits;
    }
    if (this.scale) {
      this.gamma = this.addWeight('gamma', [dim], 'float32', tf.initializers.ones());
      this.gammaDense = this.addWeight('gamma_dense', [condDim, dim], 'float32', tf.initializers.zeros());
    }
    if (this.center) {
      this.beta = this.addWeight('beta', [dim], 'float32', tf.initializers.zeros());
      this.betaDense = this.addWeight('beta_dense', [condDim, dim], 'float32', tf.initializers.zeros());
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return (inputShape as Shape[])[0];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      if (!Array.isArray(inputs) || inputs.length !== 2) {
        throw new Bert4tfjsError(`${this.name}: expected inputs [x, condition]`, 'bad-input');
      }
      const [x, condition] = inputs;
      let c = condition;
      if (this.hiddenKernel) c = getActivation(this.hiddenActivation)(dense(c, this.hiddenKernel.read()));
      // [B, C'] -> [B, 1, ..., 1, C'] so the per-example shifts broadcast over the token axes.
      const expand = (t: tf.Tensor) =>
        tf.reshape(t, [t.shape[0], ...Array<number>(x.rank - 2).fill(1), t.shape[1] as number]);
      const axis = x.rank - 1;
      const mean = tf.mean(x, axis, true);
      const centered = tf.sub(x, mean);
      const variance = tf.mean(tf.square(centered), axis, true);
      let y = tf.mul(centered, tf.rsqrt(tf.add(variance, this.epsilon)));
      if (this.gamma && this.gammaDense)
        y = tf.mul(y, tf.add(this.gamma.read(), expand(dense(c, this.gammaDense.read()))));
      if (this.beta && this.betaDense) y = tf.add(y, tf.add(this.beta.read(), expand(dense(c, this.betaDense.read()))));
      return y;
    });
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      hiddenUnits: this.hiddenUnits,
      hiddenActivation: this.hiddenActivation,
    };
  }
}
registerLayer(ConditionalLayerNormalization);
