// A GPT-2 model directory for CLI tests: the fixtures/gpt2 weights (vocab 300) with a byte-level BPE
// vocabulary written here (the 256 byte symbols plus a few merges, every id < 300), in Hugging Face's
// vocab.json + merges.txt layout.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BYTE_TO_CHAR, parseMerges } from '@bert4tfjs/tokenizers';
import { fixturePath } from '../../../test/helpers/paths.ts';

/** The merges of the test vocabulary. */
export const TEST_MERGES = '#version: 0.2\nĠ t\nh e\nĠt he\ne r\nĠ p\no w\now er\nĠp ower\n';

/** fixtures/gpt2 + vocab.json + merges.txt in `root/gpt2-model`. */
export function makeGpt2ModelDir(root: string): string {
  const dir = join(root, 'gpt2-model');
  mkdirSync(dir, { recursive: true });
  for (const f of ['config.json', 'model.safetensors']) copyFileSync(fixturePath('gpt2', f), join(dir, f));
  const vocab = new Map<string, number>(BYTE_TO_CHAR.map((c, i) => [c, i]));
  for (const { a, b } of parseMerges(TEST_MERGES)) if (!vocab.has(a + b)) vocab.set(a + b, vocab.size);
  writeFileSync(join(dir, 'vocab.json'), JSON.stringify(Object.fromEntries(vocab)));
  writeFileSync(join(dir, 'merges.txt'), TEST_MERGES);
  return dir;
}
