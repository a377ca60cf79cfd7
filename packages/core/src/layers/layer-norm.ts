/**
 * Layer normalization with the epsilon from the config (BERT 1e-12, T5 1e-6). `rms: true` gives T5's
 * root-mean-square norm (no mean subtraction, no bias).
 */
import * as tf from '@tensorflow/tfjs';
import { fusedLayerNorm } from '../ops/fused-layer-norm.ts';
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
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    // One op (ops/fused-layer-norm.ts): same values as the formula, and only x̂ and 1/σ kept for the gradient.
    return fusedLayerNorm(x, this.gamma?.read() ?? null, this.beta?.read() ?? null, {
      epsilon: this.epsilon,
      rms: this.rms,
    });
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), epsilon: this.epsilon, center: this.center, scale: this.scale, rms: this.rms };
  }
}
registerLayer(LayerNormalization);
