// One output policy for every writing command (tokenize, embed, forward, convert, export): an existing output
// is refused without --force and left untouched, replaced with it; an output that is an input (also through a
// symlink) is refused even with --force; a missing parent directory is an error naming it, and nothing is made.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixturePath } from '../../../test/helpers/paths.ts';
import { makeBertModelDir, runCli, tempDir } from './helpers.ts';

const tmp = tempDir('b4t-policy-');
const model = makeBertModelDir(tmp);
const texts = join(tmp, 'texts.jsonl');
writeFileSync(texts, `${JSON.stringify({ text: 'hello world' })}\n`);
const inputsJson = fixturePath('bert', 'inputs.json');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Each command with its output flag and the arguments before it; `input` is one of the files it reads. */
const commands: Array<{ name: string; args: string[]; flag: string; input: string; dir?: boolean }> = [
  { name: 'tokenize', args: ['tokenize', '--model', model, '--input', texts], flag: '--output', input: texts },
  {
    name: 'embed',
    args: ['embed', '--model', model, '--input', texts, '--engine', 'tfjs', '--backend', 'cpu', '-q'],
    flag: '--output',
    input: texts,
  },
  {
    name: 'forward',
    args: ['forward', '--model', model, '--inputs', inputsJson, '--backend', 'cpu', '-q'],
    flag: '--output',
    input: inputsJson,
  },
  {
    name: 'convert',
    args: ['convert', '--from', join(model, 'model.safetensors'), '--backend', 'cpu', '-q'],
    flag: '--out',
    input: join(model, 'model.safetensors'),
    dir: true,
  },
  {
    name: 'export',
    args: ['export', '--model', model, '--to', 'safetensors', '--backend', 'cpu', '-q'],
    flag: '--out',
    input: join(model, 'model.safetensors'),
    dir: true,
  },
];

describe.each(commands)('$name follows the output policy', ({ name, args, flag, input, dir }) => {
  it('refuses an existing output without --force and leaves it as it was; --force replaces it', async () => {
    const out = join(tmp, `${name}-existing`);
    if (dir) {
      mkdirSync(out);
      writeFileSync(join(out, 'keep.txt'), 'mine');
    } else writeFileSync(out, 'mine');
    const r = await runCli(...args, flag, out);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`bert4tfjs: ${flag} ${out} already exists (use --force to replace it)\n`);
    expect(readFileSync(dir ? join(out, 'keep.txt') : out, 'utf8')).toBe('mine');
    const forced = await runCli(...args, flag, out, '--force');
    expect(forced.code, forced.stderr).toBe(0);
    if (dir) expect(existsSync(join(out, 'keep.txt'))).toBe(false);
    else expect(readFileSync(out, 'utf8')).not.toBe('mine');
    expect(readdirSync(tmp).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses to write over its own input, even with --force and through a symlink', async () => {
    const before = readFileSync(input);
    const link = join(tmp, `${name}-link`);
    symlinkSync(dir ? model : input, link);
    try {
      for (const target of [dir ? model : input, link]) {
        const r = await runCli(...args, flag, target, '--force');
        expect(r.code, target).toBe(1);
        expect(r.stderr).toContain(`${flag} ${target} would overwrite the input`);
      }
      expect(readFileSync(input).equals(before)).toBe(true);
    } finally {
      rmSync(link);
    }
  });

  it('a missing parent directory is an error naming it, and nothing is created', async () => {
    const parent = join(tmp, `${name}-typo`, 'deeper');
    const r = await runCli(...args, flag, join(parent, 'out'));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `bert4tfjs: ${flag} ${join(parent, 'out')}: the directory ${parent} does not exist (create it first)\n`,
    );
    expect(existsSync(join(tmp, `${name}-typo`))).toBe(false);
  });
});

describe('an output inside an input directory', () => {
  it('export cannot replace the model directory it reads, nor a file in it', async () => {
    const r = await runCli('export', '--model', model, '--to', 'safetensors', '--out', tmp, '--force', '-q');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('would overwrite the input');
    const inside = await runCli(
      'export',
      '--model',
      model,
      '--to',
      'safetensors',
      '--out',
      join(model, 'model.safetensors'),
      '--force',
    );
    expect(inside.code).toBe(1);
    expect(inside.stderr).toContain('would overwrite the input');
  });
});
