// `bert4tfjs tokenize --model DIR` on GPT-2 directories: vocab.json + merges.txt (Hugging Face) and
// encoder.json + vocab.bpe (OpenAI, the real keras-gpt-2 toy vocabulary in ../shared, with upstream's own
// expectation "Power, give me more power!" -> [13434, 11, 1577, 502, 517, 1176, 0]).
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ByteLevelBpeTokenizer } from '@bert4tfjs/tokenizers';
import { sharedAvailable, sharedPath } from '../../../test/helpers/paths.ts';
import { runCli, tempDir } from './helpers.ts';
import { makeGpt2ModelDir } from './gpt2-model-dir.ts';

const tmp = tempDir('b4t-tok-bpe-');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function input(lines: object[]): string {
  const f = join(tmp, `in-${Math.random().toString(36).slice(2)}.jsonl`);
  writeFileSync(f, lines.map((l) => JSON.stringify(l)).join('\n'));
  return f;
}

const readLines = (f: string) =>
  readFileSync(f, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

describe('tokenize --model with a byte-level BPE directory', () => {
  const model = makeGpt2ModelDir(tmp);

  it('vocab.json + merges.txt: ids, byte-symbol tokens and offsets of the BPE tokenizer', async () => {
    const texts = ['Power, give me more power!', 'the 😀 café\n\nthe end', ''];
    const out = join(tmp, 'out.jsonl');
    const r = await runCli(
      'tokenize',
      '--model',
      model,
      '--input',
      input(texts.map((text) => ({ text }))),
      '--output',
      out,
    );
    expect(r.code, r.stderr).toBe(0);
    const tok = ByteLevelBpeTokenizer.fromDir(model);
    const lines = readLines(out);
    expect(lines).toHaveLength(3);
    lines.forEach((l, i) => {
      const enc = tok.encodeWithOffsets(texts[i]);
      expect(l).toEqual({
        tokens: enc.tokens,
        input_ids: enc.ids,
        attention_mask: enc.ids.map(() => 1),
        offsets: enc.offsets,
      });
      expect(tok.decode(l.input_ids)).toBe(texts[i]);
    });
    expect(lines[0].tokens).toContain('Ġpower'); // the merges fired
  });

  it('--max-length cuts ids; WordPiece-only flags and text pairs are refused by name', async () => {
    const out = join(tmp, 'cut.jsonl');
    const r = await runCli(
      'tokenize',
      '--model',
      model,
      '--max-length',
      '3',
      '--input',
      input([{ text: 'a b c d e' }]),
      '--output',
      out,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(readLines(out)[0].input_ids).toHaveLength(3);
    const pre = await runCli(
      'tokenize',
      '--model',
      model,
      '--pre-tokenize',
      'jieba',
      '--input',
      input([{ text: 'x' }]),
      '--output',
      join(tmp, 'n1.jsonl'),
    );
    expect(pre.code).toBe(1);
    expect(pre.stderr).toMatch(/--pre-tokenize does not apply to the byte-level BPE tokenizer/);
    const pair = await runCli(
      'tokenize',
      '--model',
      model,
      '--input',
      input([{ text: 'x', text_pair: 'y' }]),
      '--output',
      join(tmp, 'n2.jsonl'),
    );
    expect(pair.code).toBe(1);
    expect(pair.stderr).toMatch(/:1: "text_pair" is not supported by a byte-level BPE \(GPT-2\) tokenizer/);
  });
});

describe.skipIf(!sharedAvailable('fixtures/real/keras-gpt2-toy'))(
  'tokenize --model with encoder.json + vocab.bpe (real toy)',
  () => {
    const dir = join(tmp, 'toy');
    mkdirSync(dir, { recursive: true });
    for (const f of ['encoder.json', 'vocab.bpe'])
      copyFileSync(sharedPath('fixtures/real/keras-gpt2-toy', f), join(dir, f));

    it("gives upstream's ids for its test sentence", async () => {
      const out = join(tmp, 'toy.jsonl');
      const r = await runCli(
        'tokenize',
        '--model',
        dir,
        '--input',
        input([{ text: 'Power, give me more power!' }]),
        '--output',
        out,
      );
      expect(r.code, r.stderr).toBe(0);
      expect(readLines(out)[0].input_ids).toEqual([13434, 11, 1577, 502, 517, 1176, 0]);
    });

    it('a token the 7-token vocabulary lacks is named, as the reference raises KeyError', async () => {
      const r = await runCli(
        'tokenize',
        '--model',
        dir,
        '--input',
        input([{ text: 'Hello' }]),
        '--output',
        join(tmp, 'n3.jsonl'),
      );
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/token "H" \(of "Hello" at offset 0\) is not in the vocabulary/);
    });
  },
);
