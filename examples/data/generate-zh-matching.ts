/**
 * Writes the bundled Chinese matching set (examples/data/zh-matching/) from our own deterministic
 * generator: {train,valid,test}.tsv in the PAWS-X layout (binary labels) and {train,valid,test}.csv in the
 * STS-B layout (0-5 scores). Valid/test pairs that also occur in train are dropped, so evaluation is honest.
 *   node packages/cli/bin/run-ts.js examples/data/generate-zh-matching.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLED_SPLITS, generateMatchingPairs, type SyntheticPair } from 'bert4tfjs';

const outDir = join(dirname(fileURLToPath(import.meta.url)), 'zh-matching');
mkdirSync(outDir, { recursive: true });
const key = (p: SyntheticPair) => `${p.a}\t${p.b}`;
const train = generateMatchingPairs(BUNDLED_SPLITS.train.n, BUNDLED_SPLITS.train.seed);
const seen = new Set(train.map(key));
const splits: Record<string, SyntheticPair[]> = { train };
for (const name of ['valid', 'test'] as const) {
  const pairs = generateMatchingPairs(BUNDLED_SPLITS[name].n * 2, BUNDLED_SPLITS[name].seed).filter(
    (p) => !seen.has(key(p)),
  );
  splits[name] = pairs.slice(0, BUNDLED_SPLITS[name].n);
  splits[name].forEach((p) => seen.add(key(p)));
}
for (const [name, pairs] of Object.entries(splits)) {
  const tsv = `${['id\tsentence1\tsentence2\tlabel', ...pairs.map((p, i) => `${i}\t${p.a}\t${p.b}\t${p.label}`)].join('\n')}\n`;
  const csv = `${pairs
    .map((p) => `${p.a.includes(',') ? `"${p.a}"` : p.a},${p.b.includes(',') ? `"${p.b}"` : p.b},${p.score.toFixed(1)}`)
    .join('\r\n')}\r\n`;
  writeFileSync(join(outDir, `${name}.tsv`), tsv);
  writeFileSync(join(outDir, `${name}.csv`), csv);
  console.log(`${name}: ${pairs.length} pairs, ${pairs.filter((p) => p.label === 1).length} paraphrases`);
}
