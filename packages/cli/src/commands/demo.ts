/**
 * `bert4tfjs demo` (`pnpm demo`): the README's main job. Fine-tunes a small sentence-matching model on the
 * bundled Chinese pairs (or, with `--data real`, on STS-B zh from ../shared/data), prints its validation
 * and test metrics beside the trivial baselines, saves the training curves, then embeds a handful of
 * sentences with the trained model and prints each one's nearest neighbour.
 */
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import { Bert4tfjsError } from '@bert4tfjs/core';
import type { Command } from 'commander';
import { readMatchingFile } from '../data/matching-files.ts';
import type { MatchingObjective } from '../matching/encode.ts';
import { trainMatching } from '../matching/run.ts';
import { Embedder } from '../pipeline/embedder.ts';
import { openModel, readEmbeddingDefaults, resolvePooling } from '../pipeline/load.ts';
import { parseIntOption, startBackend, withGlobalOptions, type GlobalOptions } from './common.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

/** Cosine similarity of two vectors. */
export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0,
    na = 0,
    nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / (Math.sqrt(na * nb) || 1);
}

/** The files of a demo data set. */
export interface DemoData {
  name: string;
  train: string;
  valid: string;
  test: string;
}

/** `bundled`: our generated pairs (binary TSV); `real`: STS-B zh from ../shared/data (graded CSV). */
export function demoData(
  which: string,
  shared = process.env.BERT4TFJS_SHARED ?? resolve(REPO, '..', 'shared'),
): DemoData {
  if (which === 'bundled') {
    const d = join(REPO, 'examples', 'data', 'zh-matching');
    return {
      name: 'bundled zh-matching',
      train: join(d, 'train.tsv'),
      valid: join(d, 'valid.tsv'),
      test: join(d, 'test.tsv'),
    };
  }
  if (which === 'real') {
    const d = join(shared, 'data', 'stsb-multi-mt-zh');
    if (!existsSync(d))
      throw new Bert4tfjsError(
        `--data real: ${d} not found (the real sets live in ../shared/data; set BERT4TFJS_SHARED)`,
        'missing-file',
      );
    return {
      name: 'STS-B zh (stsb_multi_mt)',
      train: join(d, 'stsb-zh-train.csv'),
      valid: join(d, 'stsb-zh-dev.csv'),
      test: join(d, 'stsb-zh-test.csv'),
    };
  }
  throw new Bert4tfjsError(`--data must be bundled or real, got '${which}'`, 'bad-argument');
}

/** A run directory the demo may replace: absent, empty, or a previous run (it holds summary.json and bert4tfjs.json). */
export function replaceableRunDir(dir: string): boolean {
  if (!existsSync(dir)) return true;
  const files = readdirSync(dir);
  return files.length === 0 || (files.includes('summary.json') && files.includes('bert4tfjs.json'));
}

/**
 * Sentences to show neighbours for: the first `pairs` paraphrase pairs of the test split plus the first
 * `pairs / 2` same-words-different-meaning pairs, each sentence's intended neighbour being its partner.
 */
export function demoSentences(
  testFile: string,
  pairs = 4,
): Array<{ text: string; partner: number; paraphrase: boolean }> {
  const all = readMatchingFile(testFile).pairs;
  const pos = all.filter((p) => p.label === 1 || p.label >= 4.5).slice(0, pairs);
  const neg = all
    .filter((p) => (p.label === 0 || (p.label > 1 && p.label < 4)) && p.a !== p.b)
    .slice(0, Math.ceil(pairs / 2));
  const out: Array<{ text: string; partner: number; paraphrase: boolean }> = [];
  for (const [p, paraphrase] of [...pos.map((p) => [p, true] as const), ...neg.map((p) => [p, false] as const)]) {
    out.push({ text: p.a, partner: out.length + 1, paraphrase }, { text: p.b, partner: out.length, paraphrase });
  }
  return out;
}

/** Options of `demo`. */
interface DemoFlags extends GlobalOptions {
  data: string;
  objective: string;
  config: string;
  epochs: string;
  batchSize: string;
  out?: string;
  limitTrain?: string;
  limitEval?: string;
}

/** Registers `demo`. */
export function registerDemo(program: Command): void {
  withGlobalOptions(
    program
      .command('demo')
      .description(
        'fine-tune a small matching model on the bundled Chinese pairs, compare with baselines, show nearest neighbours',
      ),
  )
    .option('--data <which>', 'bundled (our generated pairs) | real (STS-B zh from ../shared/data)', 'bundled')
    .option('--objective <name>', 'cross-encoder | cosent | contrastive', 'cosent')
    .option('--config <name>', 'tiny | small | base (from scratch)', 'tiny')
    .option('--epochs <n>', 'epochs', '1')
    .option('--batch-size <n>', 'pairs per batch', '32')
    .option(
      '--out <dir>',
      'output directory (default runs/demo-<data>-<objective>; a previous demo run there is replaced)',
    )
    .option('--limit-train <n>', 'use only the first N training pairs')
    .option('--limit-eval <n>', 'use only the first N validation/test pairs')
    .action(async (f: DemoFlags) => {
      const info = await startBackend(f);
      const data = demoData(f.data);
      const objective = f.objective as MatchingObjective;
      const out = resolve(f.out ?? join('runs', `demo-${f.data}-${objective}`));
      if (!replaceableRunDir(out))
        throw new Bert4tfjsError(
          `--out: ${out} exists and is not a previous run (no summary.json); choose another --out`,
          'exists',
        );
      console.log(`bert4tfjs demo: ${objective} from scratch (${f.config}) on ${data.name}, backend ${info.name}`);
      const summary = await trainMatching({
        train: data.train,
        valid: data.valid,
        test: data.test,
        config: f.config,
        objective,
        epochs: parseIntOption(f.epochs, '--epochs', 1),
        batchSize: parseIntOption(f.batchSize, '--batch-size', 1),
        limitTrain: f.limitTrain === undefined ? undefined : parseIntOption(f.limitTrain, '--limit-train', 2),
        limitEval: f.limitEval === undefined ? undefined : parseIntOption(f.limitEval, '--limit-eval', 2),
        out,
        force: true,
        log: (line) => console.log(line),
        progress: !f.quiet && process.stderr.isTTY === true,
      });
      console.log(`training curves: ${summary.curves}`);
      console.log(`model, metrics.jsonl, predictions and summary.json: ${out}`);

      // Embed with the saved model, as `bert4tfjs embed` would (pooling from its bert4tfjs.json).
      const opened = openModel(out, {}, true);
      const defaults = readEmbeddingDefaults(out);
      const embedder = new Embedder(opened.built, opened.tokenizer, {
        // A cross-encoder's saved pooling (cls) is its pair classifier's input; neighbours of single
        // sentences read better from the mean of its token states.
        pooling: objective === 'cross-encoder' ? 'mean' : resolvePooling(undefined, out, opened.built),
        normalize: true,
        maxLength: defaults.maxLength,
      });
      const sentences = demoSentences(data.test);
      const vectors = embedder.embed(sentences.map((s) => ({ text: s.text })));
      console.log(
        `nearest neighbour of each sentence (cosine of ${vectors[0].length}-d embeddings; * = its paraphrase partner, x = its same-words-other-meaning partner):`,
      );
      sentences.forEach((s, i) => {
        let best = -1,
          bestSim = -Infinity;
        vectors.forEach((v, j) => {
          if (j === i) return;
          const sim = cosine(vectors[i], v);
          if (sim > bestSim) {
            bestSim = sim;
            best = j;
          }
        });
        const mark = best === s.partner ? (s.paraphrase ? '*' : 'x') : ' ';
        console.log(`  ${s.text}  ->  ${sentences[best].text}  (${bestSim.toFixed(3)}) ${mark}`);
      });
      opened.built.model.dispose();
    });
}
