/**
 * Layer normalization with the epsilon from the config (BERT 1e-12, T5 1e-6). `rms: true` gives T5's
 * root-mean-square norm (no mean subtraction, no bias).
 */
import * as tf from '@tensorflow/tfjs';
import { registerLayer, type Kwargs, type LayerArgs, type LayerConfig, type Shape } from './base.ts';

/** Options of {@link LayerNormalization}. */
export interface LayerNormArgs extends LayerArgs {
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  rms?: boolean;
}

/** Normalises the last axis. Weights: `gamma` (scale), `beta` (shift, absent when `center` is false). */
export class LayerNormalization extends tf.layers.Layer {
  static className = 'bert4tfjs.LayerNormalization';
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly rms: boolean;
  private gamma: tf.LayerVariable | null = null;
  private beta: tf.LayerVariable | null = null;

  constructor(args: LayerNormArgs = {}) {
    super(args);
    this.epsilon = args.epsilon ?? 1e-12;
    this.rms = args.rms ?? false;
    this.center = args.center ?? !this.rms;
    this.scale = args.scale ?? true;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = inputShape as Shape;
    const dim = shape[shape.length - 1] as number;
    if (this.scale) this.gamma = this.addWeight('gamma', [dim], 'float32', tf.initializers.ones());
    if (this.center) this.beta = this.addWeight('beta', [dim], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return inputShape as Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const axis = x.rank - 1;
      let y: tf.Tensor;
      if (this.rms) {
        const variance = tf.mean(tf.square(x), axis, true);
        y = tf.mul(x, tf.rsqrt(tf.add(variance, this.epsilon)));
      } else {
        const mean = tf.mean(x, axis, true);
        const centered = tf.sub(x, mean);
        const variance = tf.mean(tf.square(centered), axis, true);
        y = tf.mul(centered, tf.rsqrt(tf.add(variance, this.epsilon)));
      }
      if (this.gamma) y = tf.mul(y, this.gamma.read());
      if (this.beta) y = tf.add(y, this.beta.read());
      return y;
    });
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), epsilon: this.epsilon, center: this.center, scale: this.scale, rms: this.rms };
  }
}
registerLayer(LayerNormalization);
