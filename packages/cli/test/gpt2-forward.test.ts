// `bert4tfjs forward` on fixtures/gpt2 (default backend): every tensor of the fixture's
// expected.safetensors, named as there, within 1e-4 of Hugging Face; `export --to onnx` refuses GPT-2
// naming the family (the ONNX engine covers the BERT-family encoders only).
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rawToFloat32, readSafetensors } from '@bert4tfjs/core';
import { fixturePath } from '../../../test/helpers/paths.ts';
import { runCli, tempDir } from './helpers.ts';

describe('bert4tfjs forward / export on GPT-2', () => {
  const tmp = tempDir('b4t-gpt2-fwd-');
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('forward writes every expected tensor within 1e-4', async () => {
    const out = join(tmp, 'out.safetensors');
    const r = await runCli(
      'forward',
      '--model',
      fixturePath('gpt2'),
      '--inputs',
      fixturePath('gpt2', 'inputs.json'),
      '--output',
      out,
      '-q',
    );
    expect(r.code, r.stderr).toBe(0);
    const got = readSafetensors(out);
    const want = readSafetensors(fixturePath('gpt2', 'expected.safetensors'));
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [name, t] of want) {
      expect(got.get(name)!.shape, name).toEqual(t.shape);
      const a = rawToFloat32(got.get(name)!);
      const b = rawToFloat32(t);
      let max = 0;
      for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
      expect(max, name).toBeLessThan(1e-4);
    }
  });

  it('export --to onnx names the family it cannot export and writes nothing', async () => {
    const out = join(tmp, 'onnx');
    const r = await runCli('export', '--model', fixturePath('gpt2'), '--to', 'onnx', '--out', out, '-q');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ONNX export supports .*; this model is 'gpt2'/);
    expect(existsSync(out)).toBe(false);
  });
});
