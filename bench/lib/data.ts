/**
 * Where the benchmarks find their inputs: the shared vocabulary and the STS-B zh sentences (../shared,
 * or BERT4TFJS_SHARED), falling back to what the repository bundles so a fresh clone still runs.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateMatchingPairs, readMatchingFile } from 'bert4tfjs';

/** The repository root. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The shared data directory (../shared next to the repository unless BERT4TFJS_SHARED says otherwise). */
export const SHARED_DIR = process.env.BERT4TFJS_SHARED ?? resolve(REPO_ROOT, '..', 'shared');

/** A vocabulary file and where it came from. */
export interface VocabSource {
  path: string;
  source: string;
}

/** The bert-base-chinese vocab from ../shared, else the small fixture vocab. */
export function findVocab(): VocabSource {
  const shared = join(SHARED_DIR, 'vocab', 'bert-chinese', 'vocab.txt');
  if (existsSync(shared)) return { path: shared, source: 'shared/vocab/bert-chinese' };
  return {
    path: join(REPO_ROOT, 'fixtures', 'tokenizers', 'bert_wordpiece', 'vocab.txt'),
    source: 'fixtures/tokenizers/bert_wordpiece',
  };
}

/** Sentences and where they came from. */
export interface SentenceSource {
  sentences: string[];
  source: string;
}

/**
 * Up to `limit` sentences in file order: STS-B zh test then dev (both sides of each pair), else the
 * synthetic Chinese matching pairs the CLI bundles (same generator, fixed seed). Short and varied, like
 * real embedding traffic.
 */
export function loadSentences(limit: number): SentenceSource {
  const dir = join(SHARED_DIR, 'data', 'stsb-multi-mt-zh');
  const files = ['stsb-zh-test.csv', 'stsb-zh-dev.csv'].map((f) => join(dir, f)).filter((f) => existsSync(f));
  const out: string[] = [];
  if (files.length > 0) {
    for (const f of files) {
      for (const p of readMatchingFile(f, { onBadLine: 'skip' }).pairs) {
        out.push(p.a, p.b);
        if (out.length >= limit) break;
      }
      if (out.length >= limit) break;
    }
    return {
      sentences: out.filter((s) => s.trim() !== '').slice(0, limit),
      source: 'shared/data/stsb-multi-mt-zh (test, dev)',
    };
  }
  for (const p of generateMatchingPairs(Math.ceil(limit / 2), 33)) out.push(p.a, p.b);
  return { sentences: out.slice(0, limit), source: 'synthetic zh-matching pairs (seed 33)' };
}
