/**
 * The trainable parameters of a training graph: Hugging Face-named graph inputs, added the first time
 * a layer asks for them (so ALBERT's shared layers reuse one input and its gradients add up), with the
 * starting values taken from a built model. Linear weights are kept `[in, out]` (ONNX MatMul's layout);
 * `linear` records which ones, so saving transposes them back to Hugging Face's `[out, in]`.
 */
import type { GradTape, TVal } from '@bert4tfjs/core';
import type { HfWeights } from '../onnx/ops.ts';

/** One parameter's starting value in the graph's layout. */
export interface TrainParam {
  name: string;
  shape: number[];
  data: Float32Array;
  /** True for a linear weight stored transposed (`[in, out]`) relative to the Hugging Face tensor. */
  linear: boolean;
  value: TVal;
}

/** The parameters of one graph, in the order they were first used. */
export class TrainParams {
  readonly #byName = new Map<string, TrainParam>();

  constructor(
    readonly t: GradTape,
    readonly w: HfWeights,
  ) {}

  /** The graph value of tensor `name` (`linear`: a Hugging Face `[out, in]` weight, taken as `[in, out]`). */
  get(name: string, linear = false): TVal {
    let p = this.#byName.get(name);
    if (!p) {
      const { data, shape } = linear ? this.w.linear(name) : this.w.get(name);
      p = { name, shape, data, linear, value: this.t.param(name, shape) };
      this.#byName.set(name, p);
    }
    return p.value;
  }

  /** Every parameter used so far. */
  list(): TrainParam[] {
    return [...this.#byName.values()];
  }
}
