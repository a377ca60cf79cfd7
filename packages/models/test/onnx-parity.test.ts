// ONNX export parity: the exported BERT and ALBERT fixtures, run by onnxruntime-node, give Hugging
// Face's outputs (fixtures/*/expected.safetensors) and our tfjs outputs within 1e-4, including padded
// rows; models the graphs cannot express exactly are refused with a reason.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeOnnxModel, rawToFloat32, readSafetensors } from '@bert4tfjs/core';
import { buildOnnxModel, buildTransformerModel, runModel, type TransformerModel } from '../src/index.ts';
import { fixturePath, REPO_ROOT } from '../../../test/helpers/paths.ts';
import { maxAbsDiff } from '../../../test/helpers/compare.ts';

const ATOL = 1e-4;
type OrtOut = Record<string, { data: Float32Array; dims: number[] }>;
interface Ort {
  Tensor: new (t: string, d: BigInt64Array, dims: number[]) => unknown;
  InferenceSession: {
    create(
      m: Uint8Array,
    ): Promise<{ inputNames: string[]; outputNames: string[]; run(f: Record<string, unknown>): Promise<OrtOut> }>;
  };
}

function ort(): Ort {
  const req = createRequire(join(REPO_ROOT, 'packages', 'cli', 'package.json'));
  return req(req.resolve('onnxruntime-node', { paths: [dirname(req.resolve('@xenova/transformers'))] }));
}

async function runOnnx(bytes: Uint8Array, inputs: Record<string, number[][]>): Promise<OrtOut> {
  const rt = ort();
  const session = await rt.InferenceSession.create(bytes);
  const feeds: Record<string, unknown> = {};
  for (const name of ['input_ids', 'attention_mask', 'token_type_ids']) {
    const rows = inputs[name];
    feeds[name] = new rt.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0].length]);
  }
  return session.run(feeds);
}

for (const family of ['bert', 'albert']) {
  describe(`ONNX export of the ${family} fixture`, () => {
    let built: TransformerModel;
    let out: OrtOut;
    let bytes: Uint8Array;
    const inputs = JSON.parse(readFileSync(fixturePath(family, 'inputs.json'), 'utf8'));
    const expected = readSafetensors(fixturePath(family, 'expected.safetensors'));

    beforeAll(async () => {
      await tf.setBackend('cpu');
      built = buildTransformerModel({
        configPath: fixturePath(family, 'config.json'),
        checkpointPath: fixturePath(family, 'model.safetensors'),
        withPool: true,
      });
      bytes = buildOnnxModel(built).bytes;
      out = await runOnnx(bytes, inputs);
    });

    it('has the Hugging Face input/output layout with symbolic batch and sequence dims', () => {
      const m = decodeOnnxModel(bytes);
      expect(m.opsetImports[0].version).toBe(17);
      expect(m.graph.inputs.map((i) => [i.name, i.elemType, i.dims])).toEqual([
        ['input_ids', 7, ['batch_size', 'sequence_length']],
        ['attention_mask', 7, ['batch_size', 'sequence_length']],
        ['token_type_ids', 7, ['batch_size', 'sequence_length']],
      ]);
      expect(m.graph.outputs.map((o) => o.name)).toEqual(['last_hidden_state', 'pooler_output']);
    });

    for (const name of ['last_hidden_state', 'pooler_output']) {
      it(`${name} equals Hugging Face's and tfjs's within ${ATOL}`, () => {
        const want = expected.get(name)!;
        expect(out[name].dims).toEqual(want.shape);
        const hf = maxAbsDiff(out[name].data, rawToFloat32(want));
        const res = runModel(built, {
          input_ids: inputs.input_ids,
          attention_mask: inputs.attention_mask,
          token_type_ids: inputs.token_type_ids,
        });
        const ours = maxAbsDiff(out[name].data, res[name].dataSync());
        tf.dispose(Object.values(res));
        expect(hf).toBeLessThan(ATOL);
        expect(ours).toBeLessThan(ATOL);
      });
    }
  });
}

describe('ONNX export refusals', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('refuses albert_unshared, conditional layer norm, and families without a graph', () => {
    const albert = buildTransformerModel({
      configPath: fixturePath('albert', 'config.json'),
      model: 'albert_unshared',
    });
    expect(() => buildOnnxModel(albert)).toThrow(/albert_unshared/);
    const cond = buildTransformerModel({ configPath: fixturePath('bert', 'config.json'), layerNormCond: { size: 4 } });
    expect(() => buildOnnxModel(cond)).toThrow(/conditional layer normalization/);
    const t5 = buildTransformerModel({ configPath: fixturePath('t5', 'config.json') });
    expect(() => buildOnnxModel(t5)).toThrow(
      /supports bert, wobert, roberta-wwm, albert, electra, roberta; this model is 't5'/,
    );
  });

  for (const act of ['gelu_new', 'relu', 'swish', 'tanh', 'sigmoid', 'linear']) {
    it(`hidden_act '${act}' (random weights) matches tfjs within ${ATOL}`, async () => {
      const cfg = JSON.parse(readFileSync(fixturePath('bert', 'config.json'), 'utf8'));
      const built = buildTransformerModel({ config: { ...cfg, hidden_act: act }, withPool: true });
      const inputs = {
        input_ids: [
          [5, 20, 30, 6, 0],
          [5, 40, 41, 42, 6],
        ],
        attention_mask: [
          [1, 1, 1, 1, 0],
          [1, 1, 1, 1, 1],
        ],
        token_type_ids: [
          [0, 0, 0, 0, 0],
          [0, 0, 1, 1, 1],
        ],
      };
      const out = await runOnnx(buildOnnxModel(built).bytes, inputs);
      const res = runModel(built, inputs);
      // Padded positions are compared too: both engines compute them the same way.
      expect(maxAbsDiff(out.last_hidden_state.data, res.last_hidden_state.dataSync())).toBeLessThan(ATOL);
      expect(maxAbsDiff(out.pooler_output.data, res.pooler_output.dataSync())).toBeLessThan(ATOL);
      tf.dispose(Object.values(res));
    });
  }
});
