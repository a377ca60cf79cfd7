// `bert4tfjs convert` end to end (in-process main): the real keras-bert-tiny TF checkpoint becomes a
// model directory that `forwardModelDir` runs; the summary names tensors, parameters and skipped slots;
// bad input exits 1 with a one-line reason and leaves no output.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forwardModelDir } from '../src/commands/forward.ts';
import { runCli } from './helpers.ts';
import { fixturePath, sharedAvailable, sharedPath } from '../../../test/helpers/paths.ts';

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'b4t-cli-convert-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(!sharedAvailable('fixtures/real'))('bert4tfjs convert (keras-bert-tiny)', () => {
  it('converts, prints the summary, and forwardModelDir runs the result', async () => {
    const out = join(work, 'tiny');
    const r = await runCli(
      'convert',
      '--from',
      sharedPath('fixtures/real/keras-bert-tiny/bert_model.ckpt.index'),
      '--out',
      out,
      '--backend',
      'cpu',
      '-q',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('46 tensors, 701 parameters');
    expect(r.stdout).toContain('optimizer slots skipped: 93');
    expect(r.stdout).toContain('unmapped source tensors: none');
    expect(readdirSync(out).sort()).toEqual(['config.json', 'model.safetensors', 'vocab.txt']);
    const outputs = forwardModelDir(out, {
      input_ids: [[2, 3, 4]],
      token_type_ids: [[0, 0, 0]],
      attention_mask: [[1, 1, 1]],
    });
    expect(outputs.get('last_hidden_state')?.shape).toEqual([1, 3, 4]);
    expect(outputs.get('nsp_logits')?.shape).toEqual([1, 2]);
  });

  it('an existing --out exits 1 before any work, untouched', async () => {
    const out = join(work, 'exists');
    mkdirSync(out);
    const r = await runCli(
      'convert',
      '--from',
      sharedPath('fixtures/real/keras-bert-tiny'),
      '--out',
      out,
      '--backend',
      'cpu',
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`bert4tfjs: --out ${out} already exists (use --force to replace it)\n`);
    expect(readdirSync(out)).toEqual([]);
  });
});

describe('bert4tfjs convert argument errors', () => {
  it('unknown --model lists the valid models', async () => {
    const r = await runCli('convert', '--from', fixturePath('bert'), '--out', join(work, 'x'), '--model', 'bart', '-q');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^bert4tfjs: --model: unknown model 'bart' \(valid: bert, wobert, roberta-wwm, albert, t5, t5.1.1, mt5, transfo-xl, gpt2, electra, roberta, roformer, roformer-sim, roformer-v2, nezha\)\n$/,
    );
    expect(existsSync(join(work, 'x'))).toBe(false);
  });

  it('--dtype must be float32 or float16', async () => {
    const r = await runCli('convert', '--from', fixturePath('bert'), '--out', join(work, 'y'), '--dtype', 'int8', '-q');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("--dtype: expected one of float32, float16, got 'int8'");
  });
});
