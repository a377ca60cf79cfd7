// exportOnnxDirectory: the exported directory loads offline in @xenova/transformers, whose
// feature-extraction pipeline returns our Embedder's vectors (mean+normalize, cls) within 1e-4; the
// export is atomic (existing dir refused without force) and WoBERT-style models get the jieba note.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readOnnxModel } from '@bert4tfjs/core';
import { exportOnnxDirectory, PRE_TOKENIZE_NOTE_FILE } from '../src/commands/export-onnx.ts';
import { Embedder } from '../src/pipeline/embedder.ts';
import { openModel } from '../src/pipeline/load.ts';
import { makeBertModelDir, tempDir } from './helpers.ts';

const ATOL = 1e-4;
const TEXTS = [
  'Hello, world!',
  '我爱北京天安门',
  'bert4keras is fun',
  '今天天气很好。',
  'playing tokenization unaffable',
  'a',
];

type Extractor = (texts: string[], o: Record<string, unknown>) => Promise<{ data: Float32Array; dims: number[] }>;

async function xenovaPipeline(dir: string): Promise<Extractor> {
  const req = createRequire(import.meta.url);
  const x = await import(pathToFileURL(req.resolve('@xenova/transformers')).href);
  x.env.allowRemoteModels = false;
  x.env.localModelPath = `${dirname(dir)}/`;
  return x.pipeline('feature-extraction', basename(dir), { quantized: false });
}

function maxRowDiff(flat: Float32Array, rows: Float32Array[]): number {
  const d = rows[0].length;
  expect(flat.length).toBe(rows.length * d);
  let m = 0;
  rows.forEach((r, i) =>
    r.forEach((v, j) => {
      m = Math.max(m, Math.abs(v - flat[i * d + j]));
    }),
  );
  return m;
}

describe('export --to onnx directory', () => {
  const tmp = tempDir();
  const model = makeBertModelDir(tmp);
  const out = join(tmp, 'exported');
  beforeAll(async () => {
    await tf.setBackend('cpu');
    await exportOnnxDirectory(model, out);
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('writes config.json, tokenizer files and onnx/model.onnx, and refuses to overwrite without force', async () => {
    for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'vocab.txt', join('onnx', 'model.onnx')])
      expect(existsSync(join(out, f)), f).toBe(true);
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).model_type).toBe('bert');
    expect(readOnnxModel(join(out, 'onnx', 'model.onnx')).graph.outputs.map((o) => o.name)).toEqual([
      'last_hidden_state',
      'pooler_output',
    ]);
    await expect(exportOnnxDirectory(model, out)).rejects.toThrow(/already exists/);
    const r = await exportOnnxDirectory(model, out, { force: true });
    expect(r.files).toContain('tokenizer.json');
    expect(r.notes).toEqual([]);
  });

  for (const [pooling, xenovaOpts] of [
    ['mean', { pooling: 'mean', normalize: true }],
    ['cls', { pooling: 'cls', normalize: false }],
  ] as const) {
    it(`xenova feature-extraction (${JSON.stringify(xenovaOpts)}) equals our Embedder within ${ATOL}`, async () => {
      const extract = await xenovaPipeline(out);
      const { built, tokenizer } = openModel(model);
      const ours = new Embedder(built, tokenizer, { pooling, normalize: xenovaOpts.normalize }).embed(
        TEXTS.map((text) => ({ text })),
      );
      const theirs = await extract(TEXTS, xenovaOpts);
      expect(theirs.dims).toEqual([TEXTS.length, 32]);
      expect(maxRowDiff(theirs.data, ours)).toBeLessThan(ATOL);
    });
  }

  it('a WoBERT-style model (pre_tokenize jieba) gets a note file and the setting in tokenizer_config.json', async () => {
    writeFileSync(join(model, 'tokenizer_config.json'), JSON.stringify({ do_lower_case: true, pre_tokenize: 'jieba' }));
    try {
      const wo = join(tmp, 'wobert-onnx');
      const r = await exportOnnxDirectory(model, wo);
      expect(r.notes.join('\n')).toMatch(/jieba pre-tokenization is not part of tokenizer\.json/);
      expect(readFileSync(join(wo, PRE_TOKENIZE_NOTE_FILE), 'utf8')).toMatch(/Pre-tokenization required: jieba/);
      expect(JSON.parse(readFileSync(join(wo, 'tokenizer_config.json'), 'utf8')).pre_tokenize).toBe('jieba');
    } finally {
      rmSync(join(model, 'tokenizer_config.json'));
    }
  });

  it('a failed export leaves no directory behind', async () => {
    const bad = join(tmp, 'bad-model');
    const fail = join(tmp, 'never');
    await expect(exportOnnxDirectory(bad, fail)).rejects.toThrow(/not found/);
    expect(existsSync(fail)).toBe(false);
  });
});
