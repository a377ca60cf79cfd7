// ELECTRA (discriminator, generator) and HF-layout RoBERTa model directories through the CLI: `forward`
// writes every tensor of the fixture's expected.safetensors under its name (hidden states, attentions,
// RoBERTa's int32 position_ids) within 1e-4; `embed` gives the masked mean of the model's own
// last_hidden_state on both engines (tfjs, and onnxruntime through the ONNX export); `similar` ranks an
// identical corpus line first.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawToFloat32, readSafetensors, type RawTensor } from '@bert4tfjs/core';
import { runModel } from '@bert4tfjs/models';
import { findSimilar } from '../src/commands/similar.ts';
import { openModel } from '../src/pipeline/load.ts';
import { fixturePath } from '../../../test/helpers/paths.ts';
import { runCli, tempDir } from './helpers.ts';

const FAMILIES = ['electra', 'electra_generator', 'roberta'] as const;
const TEXTS = ['我爱北京天安门', 'Hello, world!', 'bert4keras is fun', '今天天气很好。'];

function values(t: RawTensor): ArrayLike<number> {
  if (t.dtype === 'I32')
    return new Int32Array(t.data.buffer.slice(t.data.byteOffset, t.data.byteOffset + t.data.byteLength));
  return rawToFloat32(t);
}

function modelDir(root: string, family: string): string {
  const dir = join(root, family);
  mkdirSync(dir);
  for (const f of ['config.json', 'model.safetensors']) copyFileSync(fixturePath(family, f), join(dir, f));
  copyFileSync(fixturePath('tokenizers', 'bert_wordpiece', 'vocab.txt'), join(dir, 'vocab.txt'));
  return dir;
}

describe('ELECTRA / RoBERTa model directories through the CLI', () => {
  const tmp = tempDir();
  const dirs = Object.fromEntries(FAMILIES.map((f) => [f, modelDir(tmp, f)])) as Record<string, string>;
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  for (const family of FAMILIES) {
    it(`forward ${family}: every expected tensor, named as in expected.safetensors, within 1e-4`, async () => {
      const out = join(tmp, `${family}-out.safetensors`);
      const r = await runCli(
        'forward',
        '--backend',
        'cpu',
        '--model',
        dirs[family],
        '--inputs',
        fixturePath(family, 'inputs.json'),
        '--output',
        out,
      );
      expect(r.code, r.stderr).toBe(0);
      const got = readSafetensors(out);
      const want = readSafetensors(fixturePath(family, 'expected.safetensors'));
      for (const [name, w] of want) {
        const g = got.get(name);
        expect(g, name).toBeDefined();
        expect(g!.shape, name).toEqual(w.shape);
        expect(g!.dtype, name).toBe(w.dtype === 'I64' ? 'I32' : w.dtype);
        const a = values(g!);
        const b = values(w);
        let max = 0;
        for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
        expect(max, name).toBeLessThan(1e-4);
      }
    });
  }

  for (const family of ['electra', 'roberta'] as const) {
    for (const engine of ['tfjs', 'onnx'] as const) {
      it(`embed ${family} (--engine ${engine}): the masked mean of the model's own last_hidden_state`, async () => {
        const input = join(tmp, 'texts.txt');
        writeFileSync(input, `${TEXTS.join('\n')}\n`);
        const out = join(tmp, `${family}-${engine}.jsonl`);
        const r = await runCli(
          'embed',
          '--backend',
          'cpu',
          '--model',
          dirs[family],
          '--input',
          input,
          '--output',
          out,
          '--pooling',
          'mean',
          '--engine',
          engine,
          '--no-onnx-cache',
        );
        expect(r.code, r.stderr).toBe(0);
        if (engine === 'onnx') expect(r.stderr).toContain('engine: onnx');
        const vecs = readFileSync(out, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l).embedding as number[]);
        const { built, tokenizer } = openModel(dirs[family]);
        TEXTS.forEach((text, k) => {
          const enc = tokenizer!.encode(text);
          const res = runModel(built, { input_ids: [enc.inputIds], token_type_ids: [enc.tokenTypeIds] });
          const h = res.last_hidden_state.arraySync() as number[][][];
          const mean = h[0][0].map((_, j) => h[0].reduce((s, row) => s + row[j], 0) / h[0].length);
          mean.forEach((v, j) => expect(Math.abs(vecs[k][j] - v), `${text}[${j}]`).toBeLessThan(1e-4));
          tf.dispose(Object.values(res));
        });
        built.model.dispose();
      });
    }
  }

  it('similar on electra ranks the identical corpus line first with cosine 1', () => {
    const [got] = findSimilar(dirs.electra, TEXTS, [TEXTS[2]], { topK: 2, pooling: 'mean' });
    expect(got[0].text).toBe(TEXTS[2]);
    expect(got[0].score).toBeGreaterThan(0.9999);
    expect(got[1].score).toBeLessThan(0.9999);
  });
});
