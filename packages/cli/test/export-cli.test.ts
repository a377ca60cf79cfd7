// `bert4tfjs export`: model directory -> TF checkpoint (original names, bert_config.json, vocab) and ->
// safetensors; `--to` accepts only the two formats it implements.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listVariables, readSafetensors } from '@bert4tfjs/core';
import { runCli } from './helpers.ts';
import { fixturePath } from '../../../test/helpers/paths.ts';

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'b4t-cli-export-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('bert4tfjs export', () => {
  it('--to tf-checkpoint writes google-research/bert names and layouts', async () => {
    const out = join(work, 'bert-tf');
    const r = await runCli('export', '--model', fixturePath('bert'), '--to', 'tf-checkpoint', '--out', out);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('46 tensors');
    expect(r.stdout).toContain('left out (no TF counterpart): bert.embeddings.position_ids');
    expect(readdirSync(out).sort()).toEqual([
      'bert_config.json',
      'bert_model.ckpt.data-00000-of-00001',
      'bert_model.ckpt.index',
      'checkpoint',
    ]);
    const vars = new Map(listVariables(out).map((v) => [v.name, v.shape]));
    expect(vars.size).toBe(46);
    expect(vars.get('bert/encoder/layer_1/output/dense/kernel')).toEqual([64, 32]);
    expect(vars.get('bert/embeddings/word_embeddings')).toEqual([380, 32]);
  });

  it('--to safetensors into a directory copies the model as Hugging Face lays it out', async () => {
    const out = join(work, 'bert-st');
    const r = await runCli(
      'export',
      '--model',
      fixturePath('bert'),
      '--to',
      'safetensors',
      '--out',
      out,
      '--dtype',
      'float16',
    );
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['config.json', 'model.safetensors']);
    const t = readSafetensors(join(out, 'model.safetensors'));
    expect(t.get('bert.encoder.layer.0.attention.self.query.weight')).toMatchObject({ dtype: 'F16', shape: [32, 32] });
  });

  it('an unknown --to is refused with the list of valid formats, and nothing is written', async () => {
    const out = join(work, 'tflite');
    const r = await runCli('export', '--model', fixturePath('bert'), '--to', 'tflite', '--out', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("bert4tfjs: --to: unknown format 'tflite' (valid: safetensors, tf-checkpoint, onnx)\n");
    expect(existsSync(out)).toBe(false);
  });

  it('--to onnx writes the transformers.js layout', async () => {
    const model = join(work, 'bert-with-vocab');
    mkdirSync(model);
    for (const f of ['config.json', 'model.safetensors']) copyFileSync(fixturePath('bert', f), join(model, f));
    copyFileSync(fixturePath('tokenizers', 'bert_wordpiece', 'vocab.txt'), join(model, 'vocab.txt'));
    const out = join(work, 'bert-onnx');
    const r = await runCli('export', '--model', model, '--to', 'onnx', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', join('onnx', 'model.onnx')])
      expect(existsSync(join(out, f))).toBe(true);
  });

  it('a directory that is not a model is named in the error', async () => {
    const r = await runCli('export', '--model', work, '--to', 'safetensors', '--out', join(work, 'z'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${work}: not a model directory`);
  });
});
