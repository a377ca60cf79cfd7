/**
 * Small glue layers the model families need where tfjs-layers has no Lambda: picking one token's vector
 * (the pooler's [CLS]) and adding a learned bias (the MLM output bias).
 */
import * as tf from '@tensorflow/tfjs';
import { registerLayer, type Kwargs, type LayerArgs, type LayerConfig, type Shape } from './base.ts';

/** Options of {@link TakeToken}. */
export interface TakeTokenArgs extends LayerArgs {
  index?: number;
}

/** `[B, L, D] -> [B, D]`: the vector at position `index` (0 = [CLS]). */
export class TakeToken extends tf.layers.Layer {
  static className = 'bert4tfjs.TakeToken';
  readonly index: number;

  constructor(args: TakeTokenArgs = {}) {
    super(args);
    this.index = args.index ?? 0;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    return [s[0], s[2]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const [b, , d] = x.shape as number[];
      return tf.reshape(tf.slice(x, [0, this.index, 0], [b, 1, d]), [b, d]);
    });
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), index: this.index };
  }
}
registerLayer(TakeToken);

/** Adds a learned bias over the last axis. Weight: `bias`. */
export class BiasAdd extends tf.layers.Layer {
  static className = 'bert4tfjs.BiasAdd';
  private bias!: tf.LayerVariable;

  override build(inputShape: Shape | Shape[]): void {
    const s = inputShape as Shape;
    this.bias = this.addWeight('bias', [s[s.length - 1] as number], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return inputShape as Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => tf.add(Array.isArray(inputs) ? inputs[0] : inputs, this.bias.read()));
  }
}
registerLayer(BiasAdd);
