/**
 * Mask-aware pooling as a layer, so a sentence-vector head can live inside a saved model: wraps the
 * pooling functions of pooling.ts (padding never contributes).
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../../errors.ts';
import { registerLayer, type Kwargs, type LayerArgs, type LayerConfig, type Shape } from '../base.ts';
import { poolHidden, type PoolingMode } from '../pooling.ts';

const MODES: readonly PoolingMode[] = ['cls', 'mean', 'max', 'first-last-avg'];

/** Options of {@link MaskedPooling}. */
export interface MaskedPoolingArgs extends LayerArgs {
  /** 'mean' (default), 'max', 'cls' or 'first-last-avg'. */
  mode?: PoolingMode;
}

/**
 * Pools token vectors [B, L, D] to [B, D]. Inputs: `[hidden, mask]` (mask [B, L]; `hidden` alone is
 * accepted for 'cls'), or `[first, last, mask]` for 'first-last-avg' (first and last layers' outputs).
 */
export class MaskedPooling extends tf.layers.Layer {
  static className = 'bert4tfjs.MaskedPooling';
  readonly mode: PoolingMode;

  constructor(args: MaskedPoolingArgs = {}) {
    super(args);
    this.mode = args.mode ?? 'mean';
    if (!MODES.includes(this.mode)) {
      throw new Bert4tfjsError(
        `${this.name}: unknown pooling '${this.mode as string}' (expected ${MODES.join(', ')})`,
        'bad-config',
      );
    }
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = (Array.isArray(inputShape[0]) ? (inputShape as Shape[])[0] : inputShape) as Shape;
    return [s[0], s[s.length - 1]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const list = Array.isArray(inputs) ? inputs : [inputs];
      const want = this.mode === 'first-last-avg' ? 3 : 2;
      if (this.mode === 'cls' && list.length === 1)
        return poolHidden('cls', list[0], tf.ones(list[0].shape.slice(0, 2)));
      if (list.length !== want) {
        const form = want === 3 ? '[first, last, mask]' : '[hidden, mask]';
        throw new Bert4tfjsError(
          `${this.name}: pooling '${this.mode}' takes ${form}, got ${list.length} input(s)`,
          'bad-input',
        );
      }
      if (want === 3) return poolHidden(this.mode, list[1], list[2], list[0]);
      return poolHidden(this.mode, list[0], list[1]);
    });
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), mode: this.mode };
  }
}
registerLayer(MaskedPooling);
