/**
 * `bert4tfjs demo`: the README's main job on data the repository carries. Loads the bundled BERT fixture
 * model (Hugging Face layout), embeds the bundled sentences and prints each one's nearest neighbour by
 * cosine similarity.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import { Bert4tfjsError } from '@bert4tfjs/core';
import { buildTransformerModel } from '@bert4tfjs/models';
import { Tokenizer } from '@bert4tfjs/tokenizers';
import type { Command } from 'commander';
import { readInputFile, splitLines } from '../io/jsonl.ts';
import { Embedder } from '../pipeline/embedder.ts';
import { startBackend, withGlobalOptions, type GlobalOptions } from './common.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

/** Cosine similarity of two vectors. */
export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
  return dot / (Math.sqrt(na * nb) || 1);
}

/** Registers `demo`. */
export function registerDemo(program: Command): void {
  withGlobalOptions(program.command('demo').description('embed the bundled sentences with the bundled model and show nearest neighbours'))
    .option('--sentences <file>', 'one sentence per line', join(REPO, 'examples', 'data', 'demo-sentences.txt'))
    .action(async (opts: GlobalOptions & { sentences: string }) => {
      const info = await startBackend(opts);
      const fixture = join(REPO, 'fixtures', 'bert');
      const vocab = join(REPO, 'fixtures', 'tokenizers', 'bert_wordpiece', 'vocab.txt');
      if (!existsSync(fixture)) throw new Bert4tfjsError(`bundled model not found at ${fixture}`, 'missing-file');
      const built = buildTransformerModel({ configPath: join(fixture, 'config.json'), checkpointPath: join(fixture, 'model.safetensors'), withPool: true });
      const tokenizer = Tokenizer.fromVocabFile(vocab);
      const texts = splitLines(readInputFile(opts.sentences)).filter((t) => t.trim() !== '');
      const t0 = performance.now();
      const vectors = new Embedder(built, tokenizer, { pooling: 'mean', normalize: true }).embed(texts.map((text) => ({ text })));
      const ms = performance.now() - t0;
      console.log(`Embedded ${texts.length} sentences with the bundled BERT fixture (${vectors[0].length}-d, mean pooling) on ${info.name} in ${ms.toFixed(0)} ms.`);
      console.log('Nearest neighbour of each sentence (cosine):');
      texts.forEach((text, i) => {
        let best = -1, bestSim = -Infinity;
        vectors.forEach((v, j) => {
          if (j === i) return;
          const s = cosine(vectors[i], v);
          if (s > bestSim) { bestSim = s; best = j; }
        });
        console.log(`  ${text}  ->  ${texts[best]}  (${bestSim.toFixed(3)})`);
      });
    });
}
