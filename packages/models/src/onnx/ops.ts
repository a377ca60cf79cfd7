/**
 * ONNX building blocks of post-LayerNorm encoders, written to match our tfjs layers op for op: dense
 * (MatMul + Add), LayerNormalization (opset 17), the activations of `hidden_act`, and multi-head
 * softmax attention with an additive padding mask. Weights arrive Hugging Face-named and laid out
 * (`[out, in]` for linear layers) and are transposed here once.
 */
import { Bert4tfjsError, rawToFloat32, type NamedTensors, type OnnxGraphBuilder } from '@bert4tfjs/core';

/** Reads Hugging Face-named float tensors, transposing linear weights to ONNX MatMul's `[in, out]`. */
export class HfWeights {
  constructor(
    readonly tensors: NamedTensors,
    readonly source = 'model',
  ) {}

  /** The tensor `name` as float32 with its shape; a missing name is an error naming it. */
  get(name: string): { data: Float32Array; shape: number[] } {
    const t = this.tensors.get(name);
    if (!t) throw new Bert4tfjsError(`${this.source}: no tensor '${name}' for the ONNX graph`, 'missing-weight');
    return { data: rawToFloat32(t), shape: [...t.shape] };
  }

  /** A `[out, in]` linear weight as `[in, out]`. */
  linear(name: string): { data: Float32Array; shape: number[] } {
    const { data, shape } = this.get(name);
    if (shape.length !== 2)
      throw new Bert4tfjsError(`${this.source}: '${name}' should be 2-D, has shape [${shape}]`, 'bad-weight');
    const [rows, cols] = shape;
    const out = new Float32Array(data.length);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
    return { data: out, shape: [cols, rows] };
  }
}

/**
 * Graph helpers bound to one builder and one weight set. Initializers are named after their Hugging
 * Face tensor and added once, so ALBERT's shared layers reuse the same initializers.
 */
export class EncoderOps {
  readonly #cache = new Map<string, string>();
  readonly #consts = new Map<string, string>();

  constructor(
    readonly g: OnnxGraphBuilder,
    readonly w: HfWeights,
  ) {}

  /** The initializer for tensor `name` (`linear`: transposed to [in, out]). */
  param(name: string, linear = false): string {
    const key = `${linear ? 'T:' : ''}${name}`;
    let v = this.#cache.get(key);
    if (!v) {
      const { data, shape } = linear ? this.w.linear(name) : this.w.get(name);
      v = this.g.floats(name, data, shape);
      this.#cache.set(key, v);
    }
    return v;
  }

  /** A float scalar constant, shared by value. */
  const(value: number): string {
    const key = String(value);
    let v = this.#consts.get(key);
    if (!v) {
      v = this.g.scalar(`const_${key.replace(/[^0-9a-z]/gi, '_')}`, value);
      this.#consts.set(key, v);
    }
    return v;
  }

  /** An int64 1-D constant (shapes, axes), shared by value. */
  ints(values: number[]): string {
    const key = `i:${values.join(',')}`;
    let v = this.#consts.get(key);
    if (!v) {
      v = this.g.int64s(`ints_${values.join('_').replace(/-/g, 'm')}`, values);
      this.#consts.set(key, v);
    }
    return v;
  }

  /** x @ W + b for Hugging Face linear `prefix` (`prefix.weight`, `prefix.bias`). */
  dense(x: string, prefix: string): string {
    const y = this.g.op('MatMul', [x, this.param(`${prefix}.weight`, true)]);
    return this.g.op('Add', [y, this.param(`${prefix}.bias`)]);
  }

  /** LayerNormalization over the last axis with `gamma`/`beta` tensor names and the config's epsilon. */
  layerNorm(x: string, gamma: string, beta: string, epsilon: number): string {
    return this.g.op('LayerNormalization', [x, this.param(gamma), this.param(beta)], {
      axis: -1,
      epsilon: { float: epsilon },
    });
  }

  /** The activation a config's `hidden_act` names, with the same formula as our tfjs ops. */
  activation(x: string, name: string): string {
    const g = this.g;
    switch (name) {
      case 'gelu': {
        // 0.5 x (1 + erf(x / √2)); the Div-by-√2 form is the one onnxruntime fuses into one Gelu kernel.
        const e = g.op('Erf', [g.op('Div', [x, this.const(Math.SQRT2)])]);
        return g.op('Mul', [g.op('Mul', [x, g.op('Add', [e, this.const(1)])]), this.const(0.5)]);
      }
      case 'gelu_new':
      case 'gelu_fast':
      case 'gelu_pytorch_tanh':
      case 'gelu-tanh': {
        // 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))
        const cube = g.op('Mul', [g.op('Mul', [x, x]), x]);
        const inner = g.op('Mul', [
          g.op('Add', [x, g.op('Mul', [cube, this.const(0.044715)])]),
          this.const(Math.sqrt(2 / Math.PI)),
        ]);
        const t = g.op('Add', [g.op('Tanh', [inner]), this.const(1)]);
        return g.op('Mul', [g.op('Mul', [x, this.const(0.5)]), t]);
      }
      case 'relu':
        return g.op('Relu', [x]);
      case 'tanh':
        return g.op('Tanh', [x]);
      case 'sigmoid':
        return g.op('Sigmoid', [x]);
      case 'swish':
      case 'silu':
        return g.op('Mul', [x, g.op('Sigmoid', [x])]);
      case 'linear':
        return x;
      default:
        throw new Bert4tfjsError(
          `ONNX export: hidden_act '${name}' is not supported (gelu, gelu_new, relu, tanh, sigmoid, swish/silu, linear)`,
          'unsupported',
        );
    }
  }

  /**
   * Multi-head self-attention on `x` [B, L, H] with an additive mask `maskBias` [B, 1, 1, L]; `names`
   * gives the Hugging Face prefixes of the q/k/v/output linears. Returns [B, L, H] (output dense applied).
   */
  selfAttention(
    x: string,
    maskBias: string,
    names: { q: string; k: string; v: string; o: string },
    heads: number,
    hidden: number,
  ): string {
    const g = this.g;
    const headSize = hidden / heads;
    // Reshape with 0 copies the batch and length dims, so the graph works for any [B, L].
    const split = this.ints([0, 0, heads, headSize]);
    const q = g.op('Transpose', [g.op('Reshape', [this.dense(x, names.q), split])], { perm: [0, 2, 1, 3] });
    const kT = g.op('Transpose', [g.op('Reshape', [this.dense(x, names.k), split])], { perm: [0, 2, 3, 1] });
    const v = g.op('Transpose', [g.op('Reshape', [this.dense(x, names.v), split])], { perm: [0, 2, 1, 3] });
    let scores = g.op('MatMul', [q, kT]);
    scores = g.op('Div', [scores, this.const(Math.sqrt(headSize))]);
    scores = g.op('Add', [scores, maskBias]);
    const probs = g.op('Softmax', [scores], { axis: -1 });
    const ctx = g.op('Transpose', [g.op('MatMul', [probs, v])], { perm: [0, 2, 1, 3] });
    const merged = g.op('Reshape', [ctx, this.ints([0, 0, hidden])]);
    return this.dense(merged, names.o);
  }
}
