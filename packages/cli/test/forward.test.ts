// `bert4tfjs forward` reproduces Hugging Face on the BERT fixture (all four outputs, 1e-4) on the
// default backend (wasm here), and refuses bad input with one line and no output file.
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rawToFloat32, readSafetensors } from '@bert4tfjs/core';
import { fixturePath } from '../../../test/helpers/paths.ts';
import { makeBertModelDir, runCli, tempDir } from './helpers.ts';

describe('bert4tfjs forward', () => {
  const tmp = tempDir();
  const model = makeBertModelDir(tmp);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('writes last_hidden_state, pooler_output, mlm_logits, nsp_logits within 1e-4 of Hugging Face', async () => {
    const out = join(tmp, 'out.safetensors');
    const r = await runCli(
      'forward',
      '--model',
      model,
      '--inputs',
      fixturePath('bert', 'inputs.json'),
      '--output',
      out,
    );
    expect(r.code, r.stderr).toBe(0);
    const got = readSafetensors(out);
    const want = readSafetensors(fixturePath('bert', 'expected.safetensors'));
    for (const name of ['last_hidden_state', 'pooler_output', 'mlm_logits', 'nsp_logits']) {
      const a = rawToFloat32(got.get(name)!);
      const b = rawToFloat32(want.get(name)!);
      expect(got.get(name)!.shape).toEqual(want.get(name)!.shape);
      let max = 0;
      for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
      expect(max, name).toBeLessThan(1e-4);
    }
  });

  it('an inputs file that is not JSON fails with one line naming it and writes nothing', async () => {
    const bad = join(tmp, 'bad.json');
    writeFileSync(bad, '{"input_ids": [[1, 2,');
    const out = join(tmp, 'never.safetensors');
    const r = await runCli('forward', '--model', model, '--inputs', bad, '--output', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`bert4tfjs: ${bad.replace(/[.]/g, '\\.')}: not valid JSON`));
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(tmp).filter((f) => f.includes('never'))).toEqual([]);
  });

  it('a model directory without model.safetensors is named', async () => {
    const empty = join(tmp, 'empty-model');
    mkdirSync(empty);
    writeFileSync(join(empty, 'config.json'), '{"model_type":"bert"}');
    const r = await runCli(
      'forward',
      '--model',
      empty,
      '--inputs',
      fixturePath('bert', 'inputs.json'),
      '--output',
      join(tmp, 'x.safetensors'),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${empty} has no model.safetensors`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('--help exits 0 and an unknown command exits non-zero', async () => {
    expect((await runCli('forward', '--help')).code).toBe(0);
    expect((await runCli('no-such-command')).code).not.toBe(0);
  });
});
