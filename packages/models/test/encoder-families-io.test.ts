// ELECTRA and HF-layout RoBERTa through the other formats: pytorch_model.bin (written with writeTorchBin)
// -> convert -> identical safetensors that load; a loaded model exported to safetensors gives back the
// fixture's tensors byte for byte; TF-checkpoint export is refused naming the family; and the ONNX
// export, run by onnxruntime-node, gives Hugging Face's and tfjs's last_hidden_state within 1e-4.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawToFloat32, readSafetensors, writeTorchBin, type RawTensor } from '@bert4tfjs/core';
import {
  buildOnnxModel,
  buildTransformerModel,
  convertCheckpoint,
  loadModelDir,
  runModel,
  saveCheckpoint,
} from '../src/index.ts';
import { fixturePath, REPO_ROOT } from '../../../test/helpers/paths.ts';
import { maxAbsDiff } from '../../../test/helpers/compare.ts';

const FAMILIES = ['electra', 'electra_generator', 'roberta'] as const;
const MODEL_OF = { electra: 'electra', electra_generator: 'electra', roberta: 'roberta' } as const;

function expectSameTensors(a: Map<string, RawTensor>, b: Map<string, RawTensor>): void {
  expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
  for (const [name, t] of a) {
    const u = b.get(name)!;
    expect(u.dtype, name).toBe(t.dtype);
    expect(u.shape, name).toEqual(t.shape);
    expect(Buffer.compare(Buffer.from(u.data), Buffer.from(t.data)), name).toBe(0);
  }
}

let work: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  work = mkdtempSync(join(tmpdir(), 'b4t-enc-io-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('pytorch_model.bin -> convert -> model directory', () => {
  for (const family of FAMILIES) {
    it(`${family}: identical tensors, model type guessed from the names, loads with its head`, async () => {
      const src = join(work, `${family}-bin`);
      mkdirSync(src);
      const original = readSafetensors(fixturePath(family, 'model.safetensors'));
      writeTorchBin(join(src, 'pytorch_model.bin'), original);
      copyFileSync(fixturePath(family, 'config.json'), join(src, 'config.json'));
      const out = join(work, `${family}-from-bin`);
      const report = await convertCheckpoint({ from: join(src, 'pytorch_model.bin'), out });
      expect(report.format).toBe('pytorch');
      expect(report.model).toBe(MODEL_OF[family]);
      expect(report.unused).toEqual([`${MODEL_OF[family]}.embeddings.position_ids`]);
      expectSameTensors(original, readSafetensors(join(out, 'model.safetensors')));
      const built = loadModelDir(out);
      const head = { electra: 'discriminator_logits', electra_generator: 'generator_logits', roberta: 'mlm_logits' };
      expect(built.outputNames).toContain(head[family]);
      built.model.dispose();
    });
  }
});

describe('export back to Hugging Face safetensors', () => {
  for (const family of FAMILIES) {
    it(`${family}: a loaded model exports the fixture's tensors byte for byte (buffers aside)`, async () => {
      const built = loadModelDir(fixturePath(family));
      const file = join(work, `${family}.safetensors`);
      await saveCheckpoint(built, { to: 'safetensors', out: file });
      const original = readSafetensors(fixturePath(family, 'model.safetensors'));
      expectSameTensors(new Map([...original].filter(([n]) => !n.endsWith('position_ids'))), readSafetensors(file));
      built.model.dispose();
    });
  }

  it('TF-checkpoint export names the family that has no TF table', async () => {
    await expect(
      saveCheckpoint(fixturePath('electra'), { to: 'tf-checkpoint', out: join(work, 'electra-tf') }),
    ).rejects.toThrow(/electra: no original TensorFlow name table/);
  });
});

type OrtOut = Record<string, { data: Float32Array; dims: number[] }>;

async function runOnnx(bytes: Uint8Array, inputs: Record<string, number[][]>): Promise<OrtOut> {
  const req = createRequire(join(REPO_ROOT, 'packages', 'cli', 'package.json'));
  const rt = req(req.resolve('onnxruntime-node', { paths: [dirname(req.resolve('@xenova/transformers'))] }));
  const session = await rt.InferenceSession.create(bytes);
  const feeds: Record<string, unknown> = {};
  for (const name of ['input_ids', 'attention_mask', 'token_type_ids']) {
    const rows = inputs[name] ?? inputs.input_ids.map((r) => r.map(() => 0));
    feeds[name] = new rt.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0].length]);
  }
  return session.run(feeds);
}

describe('ONNX export (onnxruntime-node vs Hugging Face and tfjs)', () => {
  for (const family of FAMILIES) {
    it(`${family}: last_hidden_state within 1e-4 of both, padded rows included`, async () => {
      const built = loadModelDir(fixturePath(family));
      const inputs = JSON.parse(readFileSync(fixturePath(family, 'inputs.json'), 'utf8'));
      const out = await runOnnx(buildOnnxModel(built).bytes, inputs);
      const want = readSafetensors(fixturePath(family, 'expected.safetensors')).get('last_hidden_state')!;
      expect(out.last_hidden_state.dims).toEqual(want.shape);
      const hf = maxAbsDiff(out.last_hidden_state.data, rawToFloat32(want));
      const feeds = { input_ids: inputs.input_ids, attention_mask: inputs.attention_mask };
      const res = runModel(built, inputs.token_type_ids ? { ...feeds, token_type_ids: inputs.token_type_ids } : feeds);
      const ours = maxAbsDiff(out.last_hidden_state.data, res.last_hidden_state.dataSync());
      console.log(`${family} ONNX max |diff|: vs HF ${hf}, vs tfjs ${ours}`);
      expect(hf).toBeLessThan(1e-4);
      expect(ours).toBeLessThan(1e-4);
      tf.dispose(Object.values(res));
      built.model.dispose();
    });
  }

  it('a UniLM-masked model is refused naming the application', () => {
    const built = buildTransformerModel({ configPath: fixturePath('roberta', 'config.json'), application: 'unilm' });
    expect(() => buildOnnxModel(built)).toThrow(/application 'unilm'/);
    built.model.dispose();
  });
});
