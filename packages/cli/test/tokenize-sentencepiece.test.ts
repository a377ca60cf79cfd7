// `bert4tfjs tokenize --model DIR` on a SentencePiece directory: the ids and pieces of the python
// sentencepiece cases (fixtures/tokenizers/sentencepiece/cases.json), an attention mask, `</s>` appended
// for a T5 directory as T5Tokenizer does, and --max-length keeping that eos.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixturePath } from '../../../test/helpers/paths.ts';
import { runCli, tempDir } from './helpers.ts';

const tmp = tempDir('b4t-tok-sp-');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const spec = JSON.parse(readFileSync(fixturePath('tokenizers', 'sentencepiece', 'cases.json'), 'utf8')) as {
  cases: { text: string; ids: number[]; pieces: string[] }[];
  special_ids: Record<string, number>;
};
const cases = spec.cases.slice(0, 12);

function modelDir(name: string, modelType?: string): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  copyFileSync(fixturePath('tokenizers', 'sentencepiece', 'spm.model'), join(dir, 'spiece.model'));
  if (modelType) writeFileSync(join(dir, 'config.json'), JSON.stringify({ model_type: modelType }));
  return dir;
}

async function tokenize(dir: string, ...extra: string[]): Promise<Record<string, unknown>[]> {
  const input = join(tmp, `in-${Math.random().toString(36).slice(2)}.jsonl`);
  writeFileSync(input, cases.map((c) => JSON.stringify({ text: c.text })).join('\n'));
  const out = `${input}.out`;
  const r = await runCli('tokenize', '--model', dir, '--input', input, '--output', out, ...extra);
  expect(r.code, r.stderr).toBe(0);
  return readFileSync(out, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

describe('tokenize --model with a SentencePiece directory', () => {
  it('gives the python sentencepiece ids and pieces, with an attention mask', async () => {
    const lines = await tokenize(modelDir('plain'));
    lines.forEach((line, i) => {
      expect(line.input_ids, cases[i].text).toEqual(cases[i].ids);
      expect(line.tokens).toEqual(cases[i].pieces);
      expect(line.attention_mask).toEqual(cases[i].ids.map(() => 1));
    });
  });

  it('appends </s> for a T5 directory, and --max-length keeps it last', async () => {
    const eos = spec.special_ids.eos ?? spec.special_ids['</s>'];
    expect(typeof eos).toBe('number');
    const dir = modelDir('t5', 't5');
    const lines = await tokenize(dir);
    lines.forEach((line, i) => expect(line.input_ids).toEqual([...cases[i].ids, eos]));
    const long = cases.findIndex((c) => c.ids.length > 4);
    const cut = await tokenize(dir, '--max-length', '4');
    expect(cut[long].input_ids).toEqual([...cases[long].ids.slice(0, 3), eos]);
  });

  it('refuses --lowercase and a text_pair, naming them', async () => {
    const dir = modelDir('flags');
    const input = join(tmp, 'pair.jsonl');
    writeFileSync(input, JSON.stringify({ text: 'a', text_pair: 'b' }));
    const flag = await runCli('tokenize', '--model', dir, '--input', input, '--output', join(tmp, 'o1'), '--lowercase');
    expect(flag.code).toBe(1);
    expect(flag.stderr).toMatch(/--lowercase\/--no-lowercase does not apply to the SentencePiece tokenizer/);
    const pair = await runCli('tokenize', '--model', dir, '--input', input, '--output', join(tmp, 'o2'), '-q');
    expect(pair.code).toBe(1);
    expect(pair.stderr).toMatch(/pair\.jsonl:1: "text_pair" is not supported by a SentencePiece tokenizer/);
  });
});
