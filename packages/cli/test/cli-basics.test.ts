// Small promises of the command line: -q silences everything on stderr including tfjs' banner; --version
// prints the package version; invalid UTF-8 in an input is named by file and line (never replaced silently);
// tokenize writes attention_mask and gives special tokens the offsets [0, 0], as Hugging Face does.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeBertModelDir, runCli, tempDir } from './helpers.ts';

const tmp = tempDir('b4t-basics-');
const model = makeBertModelDir(tmp);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('command-line basics', () => {
  // First in the file: tfjs prints its banner once per process, on the first tensor of the cpu backend.
  it('-q leaves stderr empty (no tfjs banner)', async () => {
    const input = join(tmp, 'q.txt');
    writeFileSync(input, 'hello world\n');
    const r = await runCli(
      'embed',
      '--model',
      model,
      '--input',
      input,
      '--output',
      join(tmp, 'q.jsonl'),
      '--backend',
      'cpu',
      '--engine',
      'tfjs',
      '-q',
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('--version prints the version of packages/cli/package.json', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    const r = await runCli('--version');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${version}\n`);
  });

  it('invalid UTF-8 is an error naming the file and line, for tokenize, embed and matching data', async () => {
    const bad = join(tmp, 'bad.jsonl');
    writeFileSync(
      bad,
      Buffer.concat([Buffer.from('{"text": "ok"}\n{"text": "'), Buffer.from([0xff, 0xfe]), Buffer.from('"}\n')]),
    );
    const t = await runCli('tokenize', '--model', model, '--input', bad, '--output', join(tmp, 'bad-out.jsonl'));
    expect(t.code).toBe(1);
    expect(t.stderr).toMatch(new RegExp(`^bert4tfjs: ${bad.replace(/[.]/g, '\\.')}:2: not valid UTF-8`));
    const e = await runCli('embed', '--model', model, '--input', bad, '--output', join(tmp, 'bad-e.jsonl'), '-q');
    expect(e.stderr).toContain(`${bad}:2: not valid UTF-8`);
    const { readMatchingFile } = await import('../src/index.ts');
    const tsv = join(tmp, 'bad.tsv');
    writeFileSync(
      tsv,
      Buffer.concat([Buffer.from('a\tb\t1\nc\td\t0\n'), Buffer.from([0xc3]), Buffer.from('\tx\t1\n')]),
    );
    expect(() => readMatchingFile(tsv)).toThrow(`${tsv}:3: not valid UTF-8`);
  });

  it('tokenize writes attention_mask and [0, 0] offsets for special tokens', async () => {
    const input = join(tmp, 'pair.jsonl');
    writeFileSync(input, `${JSON.stringify({ text: 'hello world', text_pair: 'good' })}\n`);
    const out = join(tmp, 'pair-out.jsonl');
    const r = await runCli('tokenize', '--model', model, '--input', input, '--output', out);
    expect(r.code, r.stderr).toBe(0);
    const row = JSON.parse(readFileSync(out, 'utf8'));
    expect(row.attention_mask).toEqual(row.input_ids.map(() => 1));
    row.tokens.forEach((tok: string, i: number) => {
      if (tok === '[CLS]' || tok === '[SEP]') expect(row.offsets[i]).toEqual([0, 0]);
      else expect(row.offsets[i][1]).toBeGreaterThan(row.offsets[i][0]);
    });
  });
});
