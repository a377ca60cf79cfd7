/**
 * The position-wise feed-forward block: `act(x W1 + b1) W2 + b2`, or gated (T5.1.1 / mT5):
 * `(act(x W1) * (x Wg)) W2`.
 */
import * as tf from '@tensorflow/tfjs';
import { dense } from '../ops/matmul.ts';
import { getActivation } from '../ops/activations.ts';
import { fusedFeedForward, fusedFeedForwardSupports } from '../ops/fused-feed-forward.ts';
import { bertInitializer, registerLayer, type Kwargs, type LayerArgs, type LayerConfig, type Shape } from './base.ts';

/** Options of {@link FeedForward}. */
export interface FeedForwardArgs extends LayerArgs {
  units: number;
  activation?: string;
  useBias?: boolean;
  gated?: boolean;
  initializerRange?: number;
  dropout?: number;
}

/**
 * Weights: `inner_kernel` [D, units], `inner_bias`, `gate_kernel` [D, units] (gated only),
 * `outer_kernel` [units, D], `outer_bias`.
 */
export class FeedForward extends tf.layers.Layer {
  static className = 'bert4tfjs.FeedForward';
  readonly units: number;
  readonly activation: string;
  readonly useBias: boolean;
  readonly gated: boolean;
  readonly initializerRange: number;
  readonly dropout: number;
  private innerKernel!: tf.LayerVariable;
  private innerBias: tf.LayerVariable | null = null;
  private gateKernel: tf.LayerVariable | null = null;
  private outerKernel!: tf.LayerVariable;
  private outerBias: tf.LayerVariable | null = null;

  constructor(args: FeedForwardArgs) {
    super(args);
    this.units = args.units;
    this.activation = args.activation ?? 'gelu';
    this.useBias = args.useBias ?? true;
    this.gated = args.gated ?? false;
    this.initializerRange = args.initializerRange ?? 0.02;
    this.dropout = args.dropout ?? 0;
    getActivation(this.activation);
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = inputShape as Shape;
    const dim = shape[shape.length - 1] as number;
    const init = bertInitializer(this.initializerRange);
    this.innerKernel = this.addWeight('inner_kernel', [dim, this.units], 'float32', init);
    if (this.useBias) this.innerBias = this.addWeight('inner_bias', [this.units], 'float32', tf.initializers.zeros());
    if (this.gated) this.gateKernel = this.addWeight('gate_kernel', [dim, this.units], 'float32', init);
    this.outerKernel = this.addWeight('outer_kernel', [this.units, dim], 'float32', init);
    if (this.useBias) this.outerBias = this.addWeight('outer_bias', [dim], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return inputShape as Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const inner = this.dropout > 0 && kwargs?.training === true;
      // Under a gradient tape, one op that keeps only x and the pre-activation (ops/fused-feed-forward.ts).
      if (tf.engine().isTapeOn() && !this.gateKernel && !inner && fusedFeedForwardSupports(this.activation)) {
        return fusedFeedForward(
          x,
          {
            innerKernel: this.innerKernel.read(),
            innerBias: this.innerBias?.read() ?? null,
            outerKernel: this.outerKernel.read(),
            outerBias: this.outerBias?.read() ?? null,
          },
          this.activation,
        );
      }
      const act = getActivation(this.activation);
      let h = act(dense(x, this.innerKernel.read(), this.innerBias?.read() ?? null));
      if (this.gateKernel) h = tf.mul(h, dense(x, this.gateKernel.read(), null));
      if (inner) h = tf.dropout(h, this.dropout);
      return dense(h, this.outerKernel.read(), this.outerBias?.read() ?? null);
    });
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: this.activation,
      useBias: this.useBias,
      gated: this.gated,
      initializerRange: this.initializerRange,
      dropout: this.dropout,
    };
  }
}
registerLayer(FeedForward);
