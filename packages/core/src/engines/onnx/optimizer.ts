/**
 * The optimizer step inside the training graph: global-norm gradient clipping and AdamW (Adam with
 * bias correction plus decoupled weight decay, the same formulas as train/optimizers adam.ts and
 * weight-decay.ts). The learning rate and the step number are graph inputs, so the schedule stays in
 * TypeScript; the moments are inputs and the updated weights and moments outputs.
 */
import { OnnxDataType } from '../../io/onnx/proto.ts';
import type { GradTape, TVal } from './tape.ts';

/** Settings of {@link emitAdamW}. */
export interface GraphAdamWOptions {
  beta1: number;
  beta2: number;
  epsilon: number;
  /** Decoupled weight decay λ (0: plain Adam). */
  weightDecay: number;
  /** Whether the parameter called `name` is decayed (the weight-decay exclusions). */
  decays: (name: string) => boolean;
  /** Clip the gradients to this global L2 norm; null: no clipping. */
  clipNorm: number | null;
}

/** A parameter and its gradient, by the name the optimizer state is keyed on. */
export interface GraphParam {
  name: string;
  value: TVal;
  grad: TVal;
}

/** Names of the state inputs and outputs of one parameter. */
export function adamStateNames(name: string): { m: string; v: string; newW: string; newM: string; newV: string } {
  return { m: `${name}::m`, v: `${name}::v`, newW: `${name}::new`, newM: `${name}::m_new`, newV: `${name}::v_new` };
}

/** The global L2 norm of a set of gradients, as a scalar value. */
export function emitGlobalNorm(t: GradTape, grads: readonly TVal[]): string {
  const squares = grads.map((g) => t.g.op('ReduceSum', [t.g.op('Mul', [g.name, g.name])], { keepdims: 0 }));
  return t.g.op('Sqrt', [squares.length === 1 ? squares[0] : t.g.op('Sum', squares)]);
}

/** A bool scalar: whether the scalar value `x` is finite (neither NaN nor ±∞). */
export function emitIsFinite(t: GradTape, x: string): string {
  return t.g.op('Not', [t.g.op('Or', [t.g.op('IsNaN', [x]), t.g.op('IsInf', [x])])]);
}

/**
 * `Where(ok, updated, current)`: the state keeps its value when the step was not finite. This is what
 * lets a loop bind an updated tensor to the very buffer its current value is fed from (written in place):
 * a non-finite step must not leave NaN in it.
 */
export function emitKeepUnlessFinite(t: GradTape, ok: string, updated: string, current: string): string {
  return t.g.op('Where', [ok, updated, current]);
}

/**
 * Emits clipping and the AdamW update of every parameter; declares inputs `lr`, `step` (the 1-based
 * update number, float) and each parameter's `::m` / `::v`, and outputs `grad_norm` (before clipping)
 * and each parameter's `::new`, `::m_new`, `::v_new` — the unchanged values when the gradient norm is
 * not finite, so the outputs may be bound to the buffers their inputs are fed from.
 */
export function emitAdamW(t: GradTape, params: readonly GraphParam[], o: GraphAdamWOptions): void {
  const g = t.g;
  const lr = t.input('lr', []);
  const step = t.input('step', []);
  const norm = emitGlobalNorm(
    t,
    params.map((p) => p.grad),
  );
  g.output(norm, 'grad_norm', OnnxDataType.FLOAT, []);
  const ok = emitIsFinite(t, norm);
  // factor = c / max(norm, c): 1 below the threshold, c/norm above it.
  const factor =
    o.clipNorm === null
      ? null
      : g.op('Div', [t.scalar(o.clipNorm).name, g.op('Max', [norm, t.scalar(o.clipNorm).name])]);
  const bc1 = g.op('Sub', [t.scalar(1).name, g.op('Pow', [t.scalar(o.beta1).name, step.name])]);
  const bc2 = g.op('Sub', [t.scalar(1).name, g.op('Pow', [t.scalar(o.beta2).name, step.name])]);
  const decay = g.op('Mul', [lr.name, t.scalar(o.weightDecay).name]);
  for (const p of params) {
    const names = adamStateNames(p.name);
    const shape = p.value.shape;
    const m = t.input(names.m, shape);
    const v = t.input(names.v, shape);
    const grad = factor ? g.op('Mul', [p.grad.name, factor]) : p.grad.name;
    const mNew = g.op('Add', [
      g.op('Mul', [m.name, t.scalar(o.beta1).name]),
      g.op('Mul', [grad, t.scalar(1 - o.beta1).name]),
    ]);
    const vNew = g.op('Add', [
      g.op('Mul', [v.name, t.scalar(o.beta2).name]),
      g.op('Mul', [g.op('Mul', [grad, grad]), t.scalar(1 - o.beta2).name]),
    ]);
    const mHat = g.op('Div', [mNew, bc1]);
    const vHat = g.op('Div', [vNew, bc2]);
    const update = g.op('Mul', [
      g.op('Div', [mHat, g.op('Add', [g.op('Sqrt', [vHat]), t.scalar(o.epsilon).name])]),
      lr.name,
    ]);
    let w = g.op('Sub', [p.value.name, update]);
    if (o.weightDecay > 0 && o.decays(p.name)) w = g.op('Sub', [w, g.op('Mul', [p.value.name, decay])]);
    g.output(emitKeepUnlessFinite(t, ok, w, p.value.name), names.newW, OnnxDataType.FLOAT, [...shape]);
    g.output(emitKeepUnlessFinite(t, ok, mNew, m.name), names.newM, OnnxDataType.FLOAT, [...shape]);
    g.output(emitKeepUnlessFinite(t, ok, vNew, v.name), names.newV, OnnxDataType.FLOAT, [...shape]);
  }
}
