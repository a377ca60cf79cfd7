/**
 * Writes examples/data/unilm-pairs/{train,test}.tsv: SYNTHETIC, deterministic (seeded) source/target
 * pairs for the UniLM seq2seq example — not real data. A source is an instruction and 3–6 digits:
 * `倒序 3817` (reverse them) -> `7183`, or `排序 3817` (sort them) -> `1378`. The two instructions share
 * their last character, so the model must read the first one; test sources never occur in train.
 *
 *   node packages/cli/bin/run-ts.js examples/data/make-unilm-pairs.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A small linear congruential generator: the same pairs on every machine. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** The target of a source (`倒序 …` reversed, `排序 …` sorted). */
export function solve(source: string): string {
  const [op, digits] = source.split(' ');
  const chars = [...digits];
  return op === '倒序' ? chars.reverse().join('') : chars.sort().join('');
}

/** `count` distinct sources from `seed`, none in `exclude`. */
function sources(count: number, seed: number, exclude: Set<string>): string[] {
  const r = rng(seed);
  const out = new Set<string>();
  while (out.size < count) {
    const n = 3 + Math.floor(r() * 4);
    const digits = Array.from({ length: n }, () => String(Math.floor(r() * 10))).join('');
    const s = `${r() < 0.5 ? '倒序' : '排序'} ${digits}`;
    if (!exclude.has(s)) out.add(s);
  }
  return [...out];
}

const here = dirname(fileURLToPath(import.meta.url));
const dir = join(here, 'unilm-pairs');
mkdirSync(dir, { recursive: true });
const test = sources(200, 7, new Set());
const train = sources(3000, 11, new Set(test));
for (const [name, rows] of [
  ['train', train],
  ['test', test],
] as const) {
  writeFileSync(join(dir, `${name}.tsv`), `${rows.map((s) => `${s}\t${solve(s)}`).join('\n')}\n`);
}
console.log(`wrote ${train.length} train and ${test.length} test pairs to ${dir}`);
