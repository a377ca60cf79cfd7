// The CLI on the RoFormer and NEZHA fixtures: `forward` writes every tensor of the fixture's
// expected.safetensors (hidden states and attentions included) within 1e-4 of Hugging Face; `embed`
// gives the mean of Hugging Face's last_hidden_state over the sentence's tokens; `similar` finds the
// query sentence itself first.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rawToFloat32, readSafetensors } from '@bert4tfjs/core';
import { fixturePath } from '../../../test/helpers/paths.ts';
import { maxAbsDiff } from '../../../test/helpers/compare.ts';
import { findSimilar } from '../src/commands/similar.ts';
import { runCli, tempDir } from './helpers.ts';

/** fixtures/<family> + the WordPiece vocab its inputs were tokenized with, as a model directory. */
function makeModelDir(root: string, family: string): string {
  const dir = join(root, family);
  mkdirSync(dir, { recursive: true });
  copyFileSync(fixturePath(family, 'config.json'), join(dir, 'config.json'));
  copyFileSync(fixturePath(family, 'model.safetensors'), join(dir, 'model.safetensors'));
  copyFileSync(fixturePath('tokenizers', 'bert_wordpiece', 'vocab.txt'), join(dir, 'vocab.txt'));
  return dir;
}

for (const family of ['roformer', 'nezha']) {
  describe(`bert4tfjs on ${family}`, () => {
    const tmp = tempDir();
    const model = makeModelDir(tmp, family);
    afterAll(() => rmSync(tmp, { recursive: true, force: true }));
    const expected = readSafetensors(fixturePath(family, 'expected.safetensors'));

    it('forward writes every expected tensor, named as in expected.json, within 1e-4', async () => {
      const out = join(tmp, 'out.safetensors');
      const r = await runCli(
        'forward',
        '--backend',
        'cpu',
        '--model',
        model,
        '--inputs',
        fixturePath(family, 'inputs.json'),
        '--output',
        out,
      );
      expect(r.code, r.stderr).toBe(0);
      const got = readSafetensors(out);
      const outputs = JSON.parse(readFileSync(fixturePath(family, 'expected.json'), 'utf8')).outputs as object;
      const names = Object.keys(outputs);
      expect([...got.keys()].sort()).toEqual([...names].sort());
      for (const name of names) {
        expect(got.get(name)!.shape, name).toEqual(expected.get(name)!.shape);
        expect(maxAbsDiff(rawToFloat32(got.get(name)!), rawToFloat32(expected.get(name)!)), name).toBeLessThan(1e-4);
      }
    });

    it("embed --pooling mean gives the mean of HF's last_hidden_state over the sentence's tokens", async () => {
      // Row 2 of the fixture is '我是小明' alone: [CLS] 我 是 小 明 [SEP] then padding.
      const input = join(tmp, 'one.txt');
      writeFileSync(input, '我是小明\n');
      const out = join(tmp, 'one.jsonl');
      const r = await runCli(
        'embed',
        '--backend',
        'cpu',
        '--engine',
        'tfjs',
        '--model',
        model,
        '--input',
        input,
        '--output',
        out,
        '--pooling',
        'mean',
      );
      expect(r.code, r.stderr).toBe(0);
      const v = JSON.parse(readFileSync(out, 'utf8').trim()).embedding as number[];
      const hs = expected.get('last_hidden_state')!;
      const [, l, h] = hs.shape;
      const all = rawToFloat32(hs);
      const want = Array.from({ length: h }, (_, c) => {
        let s = 0;
        for (let p = 0; p < 6; p++) s += all[(2 * l + p) * h + c];
        return s / 6;
      });
      expect(maxAbsDiff(v, want)).toBeLessThan(1e-4);
    });

    it('similar ranks the query sentence itself first, at cosine 1', () => {
      const corpus = ['今天天气很好。', '我是小明', 'bert4keras is fun'];
      const [got] = findSimilar(model, corpus, ['我是小明'], { topK: 2, pooling: 'mean' });
      expect(got[0].text).toBe('我是小明');
      expect(got[0].score).toBeCloseTo(1, 5);
      expect(got[1].score).toBeLessThan(0.9999);
    });
  });
}
