/**
 * Transformer-XL's segment-level recurrence: each layer's memory for the next segment is the last
 * `memLen` positions of (old memory ++ this segment's layer input). Memories are constants to the next
 * segment — no gradient ever flows back into the segment that produced them.
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../errors.ts';
import { stopGradient } from '../ops/stop-gradient.ts';
import { asList, registerLayer, type Kwargs, type LayerArgs, type LayerConfig, type Shape } from './base.ts';

/**
 * The last `memLen` positions (axis 1) of `mems ++ hidden`, gradient-free. `mems` `[B, M, D]` may be
 * null (no memory yet); `hidden` is `[B, L, D]`.
 */
export function updateMemory(mems: tf.Tensor | null, hidden: tf.Tensor, memLen: number): tf.Tensor {
  return tf.tidy(() => {
    const cat = mems ? tf.concat([mems, hidden], 1) : hidden;
    const total = cat.shape[1] as number;
    const keep = Math.min(memLen, total);
    const [b, , d] = cat.shape as number[];
    return stopGradient(tf.slice(cat, [0, total - keep, 0], [b, keep, d]));
  });
}

/** Options of {@link XlMemoryUpdate}. */
export interface XlMemoryUpdateArgs extends LayerArgs {
  /** How many positions to keep (Hugging Face `mem_len`, > 0). */
  memLen: number;
}

/** Inputs `[mems [B, M, D], hidden [B, L, D]]` -> new memory `[B, min(memLen, M+L), D]`. No weights. */
export class XlMemoryUpdate extends tf.layers.Layer {
  static className = 'bert4tfjs.XlMemoryUpdate';
  readonly memLen: number;

  constructor(args: XlMemoryUpdateArgs) {
    super(args);
    if (!Number.isInteger(args.memLen) || args.memLen < 1) {
      throw new Bert4tfjsError(
        `XlMemoryUpdate ${args.name ?? ''}: memLen must be an integer >= 1, got ${args.memLen}`,
        'bad-config',
      );
    }
    this.memLen = args.memLen;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [m, h] = inputShape as Shape[];
    const total = typeof m[1] === 'number' && typeof h[1] === 'number' ? m[1] + h[1] : null;
    return [h[0], total === null ? null : Math.min(total, this.memLen), h[2]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    const [mems, hidden] = asList(inputs);
    return updateMemory(mems, hidden, this.memLen);
  }

  override getConfig(): LayerConfig {
    return { ...super.getConfig(), memLen: this.memLen };
  }
}
registerLayer(XlMemoryUpdate);
