// Shared set-up for CLI tests: a model directory made from the BERT fixture plus its WordPiece vocab,
// and an in-process runner that captures stdout and stderr.
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../src/main.ts';
import { fixturePath } from '../../../test/helpers/paths.ts';

/** A fresh temp dir. */
export function tempDir(prefix = 'b4t-cli-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** fixtures/bert + vocab.txt in a new directory (the HF model directory layout). */
export function makeBertModelDir(root: string): string {
  const dir = join(root, 'bert-model');
  mkdirSync(dir, { recursive: true });
  copyFileSync(fixturePath('bert', 'config.json'), join(dir, 'config.json'));
  copyFileSync(fixturePath('bert', 'model.safetensors'), join(dir, 'model.safetensors'));
  copyFileSync(fixturePath('tokenizers', 'bert_wordpiece', 'vocab.txt'), join(dir, 'vocab.txt'));
  return dir;
}

/** Runs the CLI in-process; returns the exit code and what it wrote to stdout and stderr (neither reaches the terminal). */
export async function runCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const captured = { stdout: [] as string[], stderr: [] as string[] };
  const originals = { stdout: process.stdout.write, stderr: process.stderr.write };
  for (const stream of ['stdout', 'stderr'] as const) {
    process[stream].write = ((chunk: string | Uint8Array) => {
      captured[stream].push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }) as typeof process.stdout.write;
  }
  try {
    const code = await main(['node', 'bert4tfjs', ...args]);
    return { code, stdout: captured.stdout.join(''), stderr: captured.stderr.join('') };
  } finally {
    process.stdout.write = originals.stdout;
    process.stderr.write = originals.stderr;
  }
}
