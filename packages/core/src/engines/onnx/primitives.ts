/**
 * The differentiable ONNX ops of the training graph, each with its vector-Jacobian product written
 * here: elementwise arithmetic with broadcasting, MatMul (2-D weights take their gradients through
 * Gemm's transpose flags, so no weight copy), Gather (its gradient is a ScatterND with reduction
 * 'add'), Reshape / Transpose / Unsqueeze / Slice, reductions, Softmax / LogSoftmax, erf-GELU, Tanh,
 * Exp / Log / Sqrt, a clamp from below, and LayerNormalization (its Mean / InvStdDev outputs feed the
 * analytic backward, as in ops/fused-layer-norm.ts).
 */
import { Bert4tfjsError } from '../../errors.ts';
import { OnnxDataType, type OnnxDim } from '../../io/onnx/proto.ts';
import { broadcastShape, type GradTape, type TVal } from './tape.ts';

const v = (name: string, shape: readonly OnnxDim[]): TVal => ({ name, shape, diff: false });

/** The shape of `x` as a graph value: a constant when static, else a Shape node. */
function shapeOf(t: GradTape, x: TVal): string {
  return x.shape.every((d) => typeof d === 'number') ? t.ints(x.shape as number[]) : t.g.op('Shape', [x.name]);
}

/** `g` (of shape `out`) summed down to `x`'s shape, undoing numpy broadcasting. */
export function unbroadcast(t: GradTape, g: TVal, x: TVal): TVal {
  const lead = g.shape.length - x.shape.length;
  const axes: number[] = [];
  for (let i = 0; i < lead; i++) axes.push(i);
  let inner = false;
  x.shape.forEach((d, i) => {
    if (d === 1 && g.shape[lead + i] !== 1) {
      axes.push(lead + i);
      inner = true;
    }
  });
  if (axes.length === 0) return g;
  if (!inner) return v(t.g.op('ReduceSum', [g.name, t.ints(axes)], { keepdims: 0 }), x.shape);
  const s = t.g.op('ReduceSum', [g.name, t.ints(axes)], { keepdims: 1 });
  return v(lead > 0 ? t.g.op('Reshape', [s, shapeOf(t, x)]) : s, x.shape);
}

function binary(t: GradTape, op: string, a: TVal, b: TVal): { y: string; shape: OnnxDim[] } {
  return { y: t.g.op(op, [a.name, b.name]), shape: broadcastShape(a.shape, b.shape, op) };
}

const mulRaw = (t: GradTape, a: TVal, b: TVal, shape: readonly OnnxDim[]) => v(t.g.op('Mul', [a.name, b.name]), shape);

/** a + b (broadcasting). */
export function add(t: GradTape, a: TVal, b: TVal): TVal {
  const { y, shape } = binary(t, 'Add', a, b);
  return t.record([a, b], [{ name: y, shape }], ([g]) => [unbroadcast(t, g!, a), unbroadcast(t, g!, b)])[0];
}

/** a − b (broadcasting). */
export function sub(t: GradTape, a: TVal, b: TVal): TVal {
  const { y, shape } = binary(t, 'Sub', a, b);
  return t.record([a, b], [{ name: y, shape }], ([g]) => [
    unbroadcast(t, g!, a),
    b.diff ? unbroadcast(t, v(t.g.op('Neg', [g!.name]), g!.shape), b) : null,
  ])[0];
}

/** a · b (broadcasting). */
export function mul(t: GradTape, a: TVal, b: TVal): TVal {
  const { y, shape } = binary(t, 'Mul', a, b);
  return t.record([a, b], [{ name: y, shape }], ([g]) => [
    a.diff ? unbroadcast(t, mulRaw(t, g!, b, shape), a) : null,
    b.diff ? unbroadcast(t, mulRaw(t, g!, a, shape), b) : null,
  ])[0];
}

/** a / b (broadcasting). */
export function div(t: GradTape, a: TVal, b: TVal): TVal {
  const { y, shape } = binary(t, 'Div', a, b);
  const out = v(y, shape);
  return t.record([a, b], [out], ([g]) => {
    const ga = v(t.g.op('Div', [g!.name, b.name]), shape);
    return [
      a.diff ? unbroadcast(t, ga, a) : null,
      // d(a/b)/db = −(a/b)/b
      b.diff ? unbroadcast(t, v(t.g.op('Neg', [mulRaw(t, ga, out, shape).name]), shape), b) : null,
    ];
  })[0];
}

/** x · c for a constant c. */
export function scale(t: GradTape, x: TVal, c: number): TVal {
  return mul(t, x, t.scalar(c));
}

/** −x. */
export function neg(t: GradTape, x: TVal): TVal {
  const y = t.g.op('Neg', [x.name]);
  return t.record([x], [{ name: y, shape: x.shape }], ([g]) => [v(t.g.op('Neg', [g!.name]), x.shape)])[0];
}

/**
 * a @ b. A 2-D `b` (a weight [k, n]) against a of any rank takes its gradients through Gemm:
 * da = g bᵀ, db = a₂ᵀ g₂ over the flattened rows. Equal-rank batched products (attention) use
 * MatMul with the last two axes swapped.
 */
export function matmul(t: GradTape, a: TVal, b: TVal): TVal {
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (ra < 2 || rb < 2 || (rb > 2 && ra !== rb))
    throw new Bert4tfjsError(`matmul: unsupported shapes [${a.shape}] @ [${b.shape}]`, 'bad-shape');
  const k = a.shape[ra - 1];
  const n = b.shape[rb - 1];
  const shape = [...a.shape.slice(0, -1), n];
  const y = t.g.op('MatMul', [a.name, b.name]);
  return t.record([a, b], [{ name: y, shape }], ([g]) => {
    const gg = g!;
    if (rb === 2) {
      const g2 = ra === 2 ? gg.name : t.g.op('Reshape', [gg.name, t.ints([-1, Number(n)])]);
      const a2 = ra === 2 ? a.name : t.g.op('Reshape', [a.name, t.ints([-1, Number(k)])]);
      let da: TVal | null = null;
      if (a.diff) {
        const d = t.g.op('Gemm', [g2, b.name], { transB: 1 });
        da = v(ra === 2 ? d : t.g.op('Reshape', [d, shapeOf(t, a)]), a.shape);
      }
      const db = b.diff ? v(t.g.op('Gemm', [a2, g2], { transA: 1 }), b.shape) : null;
      return [da, db];
    }
    const swap = [...Array(ra).keys()];
    [swap[ra - 1], swap[ra - 2]] = [swap[ra - 2], swap[ra - 1]];
    const da = a.diff ? v(t.g.op('MatMul', [gg.name, t.g.op('Transpose', [b.name], { perm: swap })]), a.shape) : null;
    const db = b.diff ? v(t.g.op('MatMul', [t.g.op('Transpose', [a.name], { perm: swap }), gg.name]), b.shape) : null;
    return [da, db];
  })[0];
}

/** table[ids] (Gather on axis 0, int64 ids); the table's gradient is a ScatterND-add of the rows. */
export function gather(t: GradTape, table: TVal, ids: TVal): TVal {
  if (table.shape.length !== 2)
    throw new Bert4tfjsError(`gather: table must be 2-D, got [${table.shape}]`, 'bad-shape');
  const shape = [...ids.shape, table.shape[1]];
  const y = t.g.op('Gather', [table.name, ids.name], { axis: 0 });
  return t.record([table, ids], [{ name: y, shape }], ([g]) => {
    const zeros = t.g.op('ConstantOfShape', [shapeOf(t, table)], {
      value: { name: 'v', dims: [1], data_type: OnnxDataType.FLOAT, raw_data: new Uint8Array(4) },
    });
    const idx = t.g.op('Unsqueeze', [ids.name, t.ints([-1])]);
    return [v(t.g.op('ScatterND', [zeros, idx, g!.name], { reduction: 'add' }), table.shape), null];
  })[0];
}

/** Reshape to the ONNX shape `spec` (0 copies a dim, −1 infers one); `shape` is the resulting shape. */
export function reshape(t: GradTape, x: TVal, spec: readonly number[], shape: readonly OnnxDim[]): TVal {
  const y = t.g.op('Reshape', [x.name, t.ints(spec)]);
  return t.record([x], [{ name: y, shape }], ([g]) => [v(t.g.op('Reshape', [g!.name, shapeOf(t, x)]), x.shape)])[0];
}

/** Unsqueeze at `axes`. */
export function unsqueeze(t: GradTape, x: TVal, axes: readonly number[]): TVal {
  const shape: OnnxDim[] = [...x.shape];
  for (const a of [...axes].sort((p, q) => p - q)) shape.splice(a < 0 ? shape.length + a + 1 : a, 0, 1);
  const y = t.g.op('Unsqueeze', [x.name, t.ints(axes)]);
  return t.record([x], [{ name: y, shape }], ([g]) => [v(t.g.op('Reshape', [g!.name, shapeOf(t, x)]), x.shape)])[0];
}

/** Transpose by `perm`; the gradient transposes back by the inverse permutation. */
export function transpose(t: GradTape, x: TVal, perm: readonly number[]): TVal {
  const shape = perm.map((p) => x.shape[p]);
  const inv = perm.map((_, i) => perm.indexOf(i));
  const y = t.g.op('Transpose', [x.name], { perm: [...perm] });
  return t.record([x], [{ name: y, shape }], ([g]) => [v(t.g.op('Transpose', [g!.name], { perm: inv }), x.shape)])[0];
}

/** x[start:end] along `axis` (static bounds); the gradient pads zeros back. */
export function slice(t: GradTape, x: TVal, axis: number, start: number, end: number): TVal {
  const shape = [...x.shape];
  shape[axis] = end - start;
  const y = t.g.op('Slice', [x.name, t.ints([start]), t.ints([end]), t.ints([axis])]);
  return t.record([x], [{ name: y, shape }], ([g]) => {
    const r = x.shape.length;
    const begin = x.shape.map((_, i) => (i === axis ? start : 0));
    const d = x.shape[axis];
    let pads: string;
    if (typeof d === 'number') {
      pads = t.ints([...begin, ...x.shape.map((_, i) => (i === axis ? d - end : 0))]);
    } else {
      const dim = t.g.op('Shape', [x.name], { start: axis, end: axis + 1 });
      const tail = t.g.op('Sub', [dim, t.ints([end])]);
      const parts = [t.ints([...begin, ...Array(axis).fill(0)]), tail];
      if (axis < r - 1) parts.push(t.ints(Array(r - 1 - axis).fill(0)));
      pads = t.g.op('Concat', parts, { axis: 0 });
    }
    return [v(t.g.op('Pad', [g!.name, pads], { mode: 'constant' }), x.shape)];
  })[0];
}

function reducedShape(shape: readonly OnnxDim[], axes: readonly number[], keep: boolean): OnnxDim[] {
  const norm = axes.map((a) => (a < 0 ? shape.length + a : a));
  return keep ? shape.map((d, i) => (norm.includes(i) ? 1 : d)) : shape.filter((_, i) => !norm.includes(i));
}

/** `g` of a reduction over `axes` broadcast back to `x`'s shape. */
function expandBack(t: GradTape, g: TVal, x: TVal, axes: readonly number[], keep: boolean): string {
  const kept = keep || axes.length === 0 ? g.name : t.g.op('Unsqueeze', [g.name, t.ints(axes)]);
  return t.g.op('Expand', [kept, shapeOf(t, x)]);
}

/** Σ over `axes`. */
export function reduceSum(t: GradTape, x: TVal, axes: readonly number[], keepdims = false): TVal {
  const shape = reducedShape(x.shape, axes, keepdims);
  const y = t.g.op('ReduceSum', [x.name, t.ints(axes)], { keepdims: keepdims ? 1 : 0 });
  return t.record([x], [{ name: y, shape }], ([g]) => [v(expandBack(t, g!, x, axes, keepdims), x.shape)])[0];
}

/** Mean over `axes` (the reduced dims must be static or the divisor is taken from the shape at run time). */
export function reduceMean(t: GradTape, x: TVal, axes: readonly number[], keepdims = false): TVal {
  const shape = reducedShape(x.shape, axes, keepdims);
  const y = t.g.op('ReduceMean', [x.name], { axes: [...axes], keepdims: keepdims ? 1 : 0 });
  return t.record([x], [{ name: y, shape }], ([g]) => {
    const full = expandBack(t, g!, x, axes, keepdims);
    const dims = axes.map((a) => x.shape[a < 0 ? x.shape.length + a : a]);
    let count: string;
    if (dims.every((d) => typeof d === 'number')) count = t.scalar((dims as number[]).reduce((p, q) => p * q, 1)).name;
    else {
      const sizes = t.g.op(
        'Gather',
        [t.g.op('Shape', [x.name]), t.ints(axes.map((a) => (a < 0 ? x.shape.length + a : a)))],
        {
          axis: 0,
        },
      );
      count = t.g.op('Cast', [t.g.op('ReduceProd', [sizes], { keepdims: 0 })], { to: OnnxDataType.FLOAT });
    }
    return [v(t.g.op('Div', [full, count]), x.shape)];
  })[0];
}

/** Softmax over the last axis: dx = y ⊙ (g − Σ g⊙y). */
export function softmax(t: GradTape, x: TVal): TVal {
  const y = v(t.g.op('Softmax', [x.name], { axis: -1 }), x.shape);
  return t.record([x], [y], ([g]) => {
    const gy = t.g.op('Mul', [g!.name, y.name]);
    const s = t.g.op('ReduceSum', [gy, t.ints([-1])], { keepdims: 1 });
    return [v(t.g.op('Sub', [gy, t.g.op('Mul', [y.name, s])]), x.shape)];
  })[0];
}

/** log softmax over the last axis: dx = g − softmax(x) Σ g. */
export function logSoftmax(t: GradTape, x: TVal): TVal {
  const y = v(t.g.op('LogSoftmax', [x.name], { axis: -1 }), x.shape);
  return t.record([x], [y], ([g]) => {
    const s = t.g.op('ReduceSum', [g!.name, t.ints([-1])], { keepdims: 1 });
    return [v(t.g.op('Sub', [g!.name, t.g.op('Mul', [t.g.op('Exp', [y.name]), s])]), x.shape)];
  })[0];
}

/** GELU 0.5·x·(1 + erf(x/√2)); dx = g·(Φ(x) + x·φ(x)) with the forward's erf reused. */
export function gelu(t: GradTape, x: TVal): TVal {
  const e = t.g.op('Erf', [t.g.op('Div', [x.name, t.scalar(Math.SQRT2).name])]);
  const y = t.g.op('Mul', [t.g.op('Mul', [x.name, t.g.op('Add', [e, t.scalar(1).name])]), t.scalar(0.5).name]);
  return t.record([x], [{ name: y, shape: x.shape }], ([g]) => {
    const cdf = t.g.op('Mul', [t.g.op('Add', [e, t.scalar(1).name]), t.scalar(0.5).name]);
    const sq = t.g.op('Mul', [t.g.op('Mul', [x.name, x.name]), t.scalar(-0.5).name]);
    const pdf = t.g.op('Mul', [t.g.op('Exp', [sq]), t.scalar(1 / Math.sqrt(2 * Math.PI)).name]);
    const d = t.g.op('Add', [cdf, t.g.op('Mul', [x.name, pdf])]);
    return [v(t.g.op('Mul', [g!.name, d]), x.shape)];
  })[0];
}

/** tanh; dx = g·(1 − y²). */
export function tanh(t: GradTape, x: TVal): TVal {
  const y = t.g.op('Tanh', [x.name]);
  return t.record([x], [{ name: y, shape: x.shape }], ([g]) => {
    const d = t.g.op('Sub', [t.scalar(1).name, t.g.op('Mul', [y, y])]);
    return [v(t.g.op('Mul', [g!.name, d]), x.shape)];
  })[0];
}

/** eˣ; dx = g·y. */
export function exp(t: GradTape, x: TVal): TVal {
  const y = t.g.op('Exp', [x.name]);
  return t.record([x], [{ name: y, shape: x.shape }], ([g]) => [v(t.g.op('Mul', [g!.name, y]), x.shape)])[0];
}

/** ln x; dx = g/x. */
export function log(t: GradTape, x: TVal): TVal {
  const y = t.g.op('Log', [x.name]);
  return t.record([x], [{ name: y, shape: x.shape }], ([g]) => [v(t.g.op('Div', [g!.name, x.name]), x.shape)])[0];
}

/** √x; dx = g/(2y). */
export function sqrt(t: GradTape, x: TVal): TVal {
  const y = t.g.op('Sqrt', [x.name]);
  return t.record([x], [{ name: y, shape: x.shape }], ([g]) => [
    v(t.g.op('Div', [g!.name, t.g.op('Mul', [y, t.scalar(2).name])]), x.shape),
  ])[0];
}

/** max(x, c) for a constant c; the gradient passes where x > c. */
export function clampMin(t: GradTape, x: TVal, c: number): TVal {
  const y = t.g.op('Max', [x.name, t.scalar(c).name]);
  return t.record([x], [{ name: y, shape: x.shape }], ([g]) => {
    const pass = t.g.op('Cast', [t.g.op('Greater', [x.name, t.scalar(c).name])], { to: OnnxDataType.FLOAT });
    return [v(t.g.op('Mul', [g!.name, pass]), x.shape)];
  })[0];
}

/**
 * log(1 + Σ eᶻ) over every element of z (CoSENT's logsumexp with the extra 0 term), computed stably;
 * dz = g·e^(z − y).
 */
export function log1pSumExp(t: GradTape, z: TVal): TVal {
  const flat = t.g.op('Reshape', [z.name, t.ints([-1])]);
  const m = t.g.op('Max', [t.g.op('ReduceMax', [flat], { keepdims: 0 }), t.scalar(0).name]);
  const s = t.g.op('ReduceSum', [t.g.op('Exp', [t.g.op('Sub', [flat, m])])], { keepdims: 0 });
  const y = t.g.op('Add', [m, t.g.op('Log', [t.g.op('Add', [s, t.g.op('Exp', [t.g.op('Neg', [m])])])])]);
  return t.record([z], [{ name: y, shape: [] }], ([g]) => {
    const w = t.g.op('Exp', [t.g.op('Sub', [z.name, y])]);
    return [v(t.g.op('Mul', [w, g!.name]), z.shape)];
  })[0];
}

/**
 * LayerNormalization over the last axis (opset 17). Backward, with x̂ = (x − μ)·r:
 * dγ = Σ g⊙x̂, dβ = Σ g, dx = r·(g⊙γ − mean(g⊙γ) − x̂·mean(g⊙γ⊙x̂)).
 */
export function layerNorm(t: GradTape, x: TVal, gamma: TVal, beta: TVal, epsilon: number): TVal {
  const [y, mean, rstd] = t.g.node(
    'LayerNormalization',
    [x.name, gamma.name, beta.name],
    {
      axis: -1,
      epsilon: { float: epsilon },
    },
    3,
  );
  return t.record([x, gamma, beta], [{ name: y, shape: x.shape }], ([g]) => {
    const gg = g!.name;
    const xhat = t.g.op('Mul', [t.g.op('Sub', [x.name, mean]), rstd]);
    const lead = [...Array(x.shape.length - 1).keys()];
    const dgamma = gamma.diff
      ? v(t.g.op('ReduceSum', [t.g.op('Mul', [gg, xhat]), t.ints(lead)], { keepdims: 0 }), gamma.shape)
      : null;
    const dbeta = beta.diff ? v(t.g.op('ReduceSum', [gg, t.ints(lead)], { keepdims: 0 }), beta.shape) : null;
    let dx: TVal | null = null;
    if (x.diff) {
      const dxh = t.g.op('Mul', [gg, gamma.name]);
      const m1 = t.g.op('ReduceMean', [dxh], { axes: [-1], keepdims: 1 });
      const m2 = t.g.op('ReduceMean', [t.g.op('Mul', [dxh, xhat])], { axes: [-1], keepdims: 1 });
      const inner = t.g.op('Sub', [t.g.op('Sub', [dxh, m1]), t.g.op('Mul', [xhat, m2])]);
      dx = v(t.g.op('Mul', [inner, rstd]), x.shape);
    }
    return [dx, dgamma, dbeta];
  })[0];
}

/** The tanh approximation of GELU, 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), composed of the ops above. */
export function geluTanh(t: GradTape, x: TVal): TVal {
  const cube = mul(t, mul(t, x, x), x);
  const inner = scale(t, add(t, x, scale(t, cube, 0.044715)), Math.sqrt(2 / Math.PI));
  return mul(t, scale(t, x, 0.5), add(t, tanh(t, inner), t.scalar(1)));
}
