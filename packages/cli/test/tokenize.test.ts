// `bert4tfjs tokenize` writes the reference tokenizer's tokens and ids (fixture cases), with offsets
// that map back to the text; bad input fails with the file and line named and no output file.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixturePath } from '../../../test/helpers/paths.ts';
import { makeBertModelDir, runCli, tempDir } from './helpers.ts';

interface Case {
  text: string;
  encode: number[];
}

describe('bert4tfjs tokenize', () => {
  const tmp = tempDir();
  const model = makeBertModelDir(tmp);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const cases = JSON.parse(readFileSync(fixturePath('tokenizers', 'bert_wordpiece', 'cases.json'), 'utf8'));

  it('matches the reference encodings for every lower-cased fixture string', async () => {
    const list: Case[] = cases.settings['do_lower_case=true'].cases;
    expect(list.length).toBeGreaterThan(50);
    const input = join(tmp, 'in.jsonl');
    writeFileSync(input, `${list.map((c) => JSON.stringify({ text: c.text })).join('\n')}\n`);
    const output = join(tmp, 'out.jsonl');
    const r = await runCli('tokenize', '--model', model, '--input', input, '--output', output);
    expect(r.code, r.stderr).toBe(0);
    const rows = readFileSync(output, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.length).toBe(list.length);
    rows.forEach((row, i) => {
      expect(row.input_ids).toEqual(list[i].encode);
      expect(row.tokens[0]).toBe('[CLS]');
      expect(row.token_type_ids.every((t: number) => t === 0)).toBe(true);
      row.offsets.forEach((o: [number, number] | null) => {
        if (o) expect(o[0] >= 0 && o[1] <= list[i].text.length && o[0] <= o[1]).toBe(true);
      });
    });
  });

  it('an invalid JSON line is named by file and line, and no output is left behind', async () => {
    const input = join(tmp, 'bad.jsonl');
    writeFileSync(input, '{"text": "ok"}\n{"text": oops}\n');
    const output = join(tmp, 'bad-out.jsonl');
    const r = await runCli('tokenize', '--model', model, '--input', input, '--output', output);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${input}:2: invalid JSON`);
    expect(existsSync(output)).toBe(false);
  });

  it('an empty input file is an error', async () => {
    const input = join(tmp, 'empty.jsonl');
    writeFileSync(input, '\n');
    const r = await runCli(
      'tokenize',
      '--vocab',
      join(model, 'vocab.txt'),
      '--input',
      input,
      '--output',
      join(tmp, 'e.jsonl'),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('input file is empty');
  });

  it('a pair longer than --max-length is truncated longest-first to fit', async () => {
    const input = join(tmp, 'long.jsonl');
    writeFileSync(input, `${JSON.stringify({ text: 'hello '.repeat(200), text_pair: 'world' })}\n`);
    const output = join(tmp, 'long-out.jsonl');
    const r = await runCli('tokenize', '--model', model, '--max-length', '16', '--input', input, '--output', output);
    expect(r.code, r.stderr).toBe(0);
    const row = JSON.parse(readFileSync(output, 'utf8'));
    expect(row.input_ids.length).toBe(16);
    expect(row.token_type_ids.filter((t: number) => t === 1).length).toBe(2); // 'world' + [SEP]
  });
});
