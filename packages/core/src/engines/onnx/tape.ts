/**
 * Reverse-mode differentiation over the ONNX graphs we emit. A {@link GradTape} wraps an
 * {@link OnnxGraphBuilder}: every differentiable op (see primitives.ts) writes its forward nodes and
 * records a vector-Jacobian product, written by us, that emits the backward nodes when
 * {@link GradTape.gradients} walks the tape in reverse. Only standard ONNX operators are emitted, so
 * the ordinary (inference) onnxruntime runs the whole training step. Shapes are tracked with symbolic
 * dims (`'batch'`) so broadcasting gradients know which axes to sum over.
 */
import { Bert4tfjsError } from '../../errors.ts';
import { OnnxGraphBuilder, type OnnxAttrValue, type OnnxGraphOptions } from '../../io/onnx/graph.ts';
import { OnnxDataType, type OnnxDim } from '../../io/onnx/proto.ts';

/** A value of the graph: its name and (possibly symbolic) shape. */
export interface TVal {
  readonly name: string;
  readonly shape: readonly OnnxDim[];
  /** True when some differentiable input reaches it (gradients flow back through it). */
  readonly diff: boolean;
}

/** A vector-Jacobian product: output gradients (null when none reached) -> input gradients (null: none). */
export type Vjp = (gradOutputs: ReadonlyArray<TVal | null>) => ReadonlyArray<TVal | null>;

interface TapeEntry {
  inputs: readonly TVal[];
  outputs: readonly TVal[];
  vjp: Vjp;
}

/** Options of {@link GradTape}: the graph's; the opset must be at least 17 (LayerNormalization, ScatterND add). */
export type GradTapeOptions = OnnxGraphOptions;

/** The graph builder plus the tape of recorded VJPs. */
export class GradTape {
  readonly g: OnnxGraphBuilder;
  readonly #tape: TapeEntry[] = [];
  readonly #consts = new Map<string, string>();

  constructor(options: GradTapeOptions) {
    if (options.opset < 17)
      throw new Bert4tfjsError(`GradTape: the training graph needs opset >= 17, got ${options.opset}`, 'bad-argument');
    this.g = new OnnxGraphBuilder(options);
  }

  /** A non-differentiable graph input (ids, masks, labels, learning rate). */
  input(name: string, shape: readonly OnnxDim[], elemType: number = OnnxDataType.FLOAT): TVal {
    return { name: this.g.input(name, elemType, [...shape]), shape, diff: false };
  }

  /** A differentiable graph input: a parameter whose gradient {@link gradients} can return. */
  param(name: string, shape: readonly number[]): TVal {
    return { name: this.g.input(name, OnnxDataType.FLOAT, [...shape]), shape, diff: true };
  }

  /** Wraps an existing value name as a constant (non-differentiable) value. */
  constant(name: string, shape: readonly OnnxDim[]): TVal {
    return { name, shape, diff: false };
  }

  /** A float scalar constant, shared by value. */
  scalar(value: number): TVal {
    const key = `f:${value}`;
    let v = this.#consts.get(key);
    if (!v) {
      v = this.g.scalar(`c_${String(value).replace(/[^0-9a-z]/gi, '_')}`, value);
      this.#consts.set(key, v);
    }
    return { name: v, shape: [], diff: false };
  }

  /** An int64 1-D constant (shapes, axes, pads), shared by value. */
  ints(values: readonly number[]): string {
    const key = `i:${values.join(',')}`;
    let v = this.#consts.get(key);
    if (!v) {
      v = this.g.int64s(`i_${values.join('_').replace(/-/g, 'm')}`, [...values]);
      this.#consts.set(key, v);
    }
    return v;
  }

  /** Emits a raw node (no gradient recorded) and wraps its single output with `shape`. */
  raw(opType: string, inputs: readonly string[], shape: readonly OnnxDim[], attrs: Record<string, OnnxAttrValue> = {}) {
    return { name: this.g.op(opType, [...inputs], attrs), shape, diff: false } as TVal;
  }

  /**
   * Records a differentiable op: `outputs` were emitted from `inputs`; `vjp` emits the backward nodes.
   * Outputs are marked differentiable when any input is; nothing is recorded otherwise.
   */
  record(
    inputs: readonly TVal[],
    outputs: ReadonlyArray<{ name: string; shape: readonly OnnxDim[] }>,
    vjp: Vjp,
  ): TVal[] {
    const diff = inputs.some((x) => x.diff);
    const outs = outputs.map((o) => ({ name: o.name, shape: o.shape, diff }));
    if (diff) this.#tape.push({ inputs, outputs: outs, vjp });
    return outs;
  }

  /** Sum of two gradients of the same value. */
  #accumulate(a: TVal | undefined, b: TVal): TVal {
    return a ? { name: this.g.op('Add', [a.name, b.name]), shape: a.shape, diff: false } : b;
  }

  /**
   * Emits the backward pass of `loss` (a scalar) and returns the gradient of each of `wrt` (by value
   * name). A parameter the loss does not depend on gets zeros of its shape.
   */
  gradients(loss: TVal, wrt: readonly TVal[], seed?: TVal): Map<string, TVal> {
    if (loss.shape.length !== 0)
      throw new Bert4tfjsError(`GradTape.gradients: the loss must be a scalar, got shape [${loss.shape}]`, 'bad-shape');
    const grads = new Map<string, TVal>();
    grads.set(loss.name, seed ?? this.scalar(1));
    for (let i = this.#tape.length - 1; i >= 0; i--) {
      const e = this.#tape[i];
      const gOut = e.outputs.map((o) => grads.get(o.name) ?? null);
      if (gOut.every((x) => x === null)) continue;
      const gIn = e.vjp(gOut);
      e.inputs.forEach((x, k) => {
        const gx = gIn[k];
        if (!x.diff || !gx) return;
        grads.set(x.name, this.#accumulate(grads.get(x.name), gx));
      });
    }
    const out = new Map<string, TVal>();
    for (const p of wrt) {
      const gp = grads.get(p.name);
      out.set(
        p.name,
        gp ?? {
          name: this.g.op('ConstantOfShape', [this.ints(p.shape.map(Number))], {
            value: { name: 'v', dims: [1], data_type: OnnxDataType.FLOAT, raw_data: new Uint8Array(4) },
          }),
          shape: p.shape,
          diff: false,
        },
      );
    }
    return out;
  }

  /** Marks `v` as a graph output called `name`. */
  output(v: TVal, name: string): void {
    this.g.output(v.name, name, OnnxDataType.FLOAT, [...v.shape]);
  }
}

/** Broadcast shape of two shapes (numpy rules; a symbolic dim broadcasts with 1 and itself). */
export function broadcastShape(a: readonly OnnxDim[], b: readonly OnnxDim[], where: string): OnnxDim[] {
  const n = Math.max(a.length, b.length);
  const out: OnnxDim[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x === y || y === 1) out.push(x);
    else if (x === 1) out.push(y);
    else throw new Bert4tfjsError(`${where}: shapes [${a}] and [${b}] do not broadcast`, 'bad-shape');
  }
  return out;
}
