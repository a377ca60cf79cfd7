/**
 * A Dense layer whose matmul never hits tfjs's slow transpose-flag kernels (forward or gradient), so
 * training on wasm is fast. Kernel layout `[in, out]`; Hugging Face Linear weights are `[out, in]` and are
 * transposed by the weight map at load.
 */
import * as tf from '@tensorflow/tfjs';
import { dense } from '../ops/matmul.ts';
import { getActivation } from '../ops/activations.ts';
import { bertInitializer, registerLayer, type Kwargs, type LayerArgs, type LayerConfig, type Shape } from './base.ts';

/** Options of {@link Dense}. */
export interface DenseArgs extends LayerArgs {
  units: number;
  activation?: string;
  useBias?: boolean;
  initializerRange?: number;
}

/** y = act(x W + b) over the last axis. Weights: `kernel` [in, units], `bias` [units]. */
export class Dense extends tf.layers.Layer {
  static className = 'bert4tfjs.Dense';
  readonly units: number;
  readonly activation: string;
  readonly useBias: boolean;
  readonly initializerRange: number;
  private kernel!: tf.LayerVariable;
  private bias: tf.LayerVariable | null = null;

  constructor(args: DenseArgs) {
    super(args);
    this.units = args.units;
    this.activation = args.activation ?? 'linear';
    this.useBias = args.useBias ?? true;
    this.initializerRange = args.initializerRange ?? 0.02;
    getActivation(this.activation);
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = inputShape as Shape;
    const inDim = shape[shape.length - 1] as number;
    this.kernel = this.addWeight('kernel', [inDim, this.units], 'float32', bertInitializer(this.initializerRange));
    if (this.useBias) this.bias = this.addWeight('bias', [this.units], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = inputShape as Shape;
    return [...shape.slice(0, -1), this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const y = dense(x, this.kernel.read(), this.bias ? this.bias.read() : null);
      return getActivation(this.activation)(y);
    });
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: this.activation,
      useBias: this.useBias,
      initializerRange: this.initializerRange,
    };
  }
}
registerLayer(Dense);
