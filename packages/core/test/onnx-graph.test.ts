// The ONNX writer: a small graph survives encode -> decode with its names, symbolic dims, opset and
// initializer bytes; onnxruntime-node runs it with the numbers we compute by hand; misuse is an error.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeOnnxModel, OnnxDataType, OnnxGraphBuilder, readOnnxModel, writeOnnxModel } from '../src/index.ts';
import { REPO_ROOT } from '../../../test/helpers/paths.ts';

interface Ort {
  Tensor: new (t: string, d: Float32Array, dims: number[]) => unknown;
  InferenceSession: {
    create(
      m: Uint8Array,
    ): Promise<{ run(f: Record<string, unknown>): Promise<Record<string, { data: Float32Array; dims: number[] }>> }>;
  };
}

/** onnxruntime-node, resolved through @xenova/transformers in the cli package. */
function ort(): Ort {
  const req = createRequire(join(REPO_ROOT, 'packages', 'cli', 'package.json'));
  return req(req.resolve('onnxruntime-node', { paths: [dirname(req.resolve('@xenova/transformers'))] }));
}

/** y = LayerNorm(x @ W + b) over the last axis, x [batch, 3], W [3, 2]. */
function smallGraph(): OnnxGraphBuilder {
  const g = new OnnxGraphBuilder({ opset: 17, name: 'small', metadata: { purpose: 'test' } });
  const x = g.input('x', OnnxDataType.FLOAT, ['batch', 3]);
  const w = g.floats('w', [1, 2, 3, 4, 5, 6], [3, 2]);
  const b = g.floats('b', [0.5, -0.5]);
  const y = g.op('Add', [g.op('MatMul', [x, w]), b]);
  const n = g.op('LayerNormalization', [y, g.floats('gamma', [2, 3]), g.floats('beta', [0, 1])], {
    axis: -1,
    epsilon: { float: 1e-5 },
  });
  g.output(n, 'y', OnnxDataType.FLOAT, ['batch', 2]);
  g.output(y, 'pre_norm', OnnxDataType.FLOAT, ['batch', 2]);
  return g;
}

describe('ONNX writer', () => {
  it('round-trips names, symbolic dims, opset, metadata and initializer bytes', () => {
    const m = decodeOnnxModel(smallGraph().serialize());
    expect(m.irVersion).toBe(8);
    expect(m.opsetImports).toEqual([{ domain: '', version: 17 }]);
    expect(m.metadata).toEqual({ purpose: 'test' });
    expect(m.graph.inputs).toEqual([{ name: 'x', elemType: OnnxDataType.FLOAT, dims: ['batch', 3], doc: undefined }]);
    expect(m.graph.outputs.map((o) => [o.name, o.dims])).toEqual([
      ['y', ['batch', 2]],
      ['pre_norm', ['batch', 2]],
    ]);
    const w = m.graph.initializers.find((t) => t.name === 'w')!;
    expect(w.dims).toEqual([3, 2]);
    expect(Array.from(new Float32Array(new Uint8Array(w.raw_data).buffer))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(m.graph.nodes.map((n) => n.op_type)).toEqual([
      'MatMul',
      'Add',
      'LayerNormalization',
      'Identity',
      'Identity',
    ]);
    const ln = m.graph.nodes[2].attribute;
    expect(ln.find((a) => a.name === 'axis')!.i).toBe(-1);
    expect(ln.find((a) => a.name === 'epsilon')!.f).toBeCloseTo(1e-5, 10);
  });

  it('runs in onnxruntime-node with the values computed by hand', async () => {
    const rt = ort();
    const session = await rt.InferenceSession.create(smallGraph().serialize());
    const out = await session.run({ x: new rt.Tensor('float32', Float32Array.from([1, 0, 0, 1, 1, 1]), [2, 3]) });
    // Rows of x @ W + b: [1.5, 1.5] and [9.5, 11.5]; LayerNorm of [9.5, 11.5] is [-1, 1] (up to eps).
    expect(Array.from(out.pre_norm.data)).toEqual([1.5, 1.5, 9.5, 11.5]);
    expect(out.y.dims).toEqual([2, 2]);
    const y = Array.from(out.y.data);
    expect(y[0]).toBeCloseTo(0, 6); // constant row normalizes to 0 -> gamma*0 + beta
    expect(y[1]).toBeCloseTo(1, 6);
    expect(y[2]).toBeCloseTo(-2 * (1 / Math.sqrt(1 + 1e-5)), 5);
    expect(y[3]).toBeCloseTo(3 * (1 / Math.sqrt(1 + 1e-5)) + 1, 5);
  });

  it('writes atomically and reads back; a missing file names its path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'b4t-onnx-'));
    try {
      const path = join(dir, 'm.onnx');
      writeOnnxModel(path, smallGraph().toModel());
      expect(readOnnxModel(path).graph.name).toBe('small');
      expect(() => readOnnxModel(join(dir, 'nope.onnx'))).toThrow(/nope\.onnx/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects undefined inputs, reused input names, a graph without outputs, and bad bytes', () => {
    const g = new OnnxGraphBuilder({ opset: 17 });
    expect(() => g.op('Relu', ['nowhere'])).toThrow(/reads 'nowhere'/);
    g.input('x', OnnxDataType.FLOAT, [1]);
    expect(() => g.input('x', OnnxDataType.FLOAT, [1])).toThrow(/already used/);
    expect(() => g.toModel()).toThrow(/no outputs/);
    expect(() => g.floats('w', [1, 2, 3], [2, 2])).toThrow(/3 values for dims \[2,2\]/);
    expect(() => decodeOnnxModel(Uint8Array.from([0xff, 0xff, 0xff]), 'junk.onnx')).toThrow(/junk\.onnx/);
  });

  it('makes repeated value names unique', () => {
    const g = new OnnxGraphBuilder({ opset: 17 });
    const a = g.floats('w', [1]);
    const b = g.floats('w', [2]);
    expect(a).toBe('w');
    expect(b).not.toBe('w');
    expect(g.stats()).toEqual({ nodes: 0, initializers: 2, parameters: 2 });
  });
});
