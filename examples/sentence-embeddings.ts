/**
 * Journey 2 — sentence embeddings with a bi-encoder trained by CoSENT, written against the library:
 * one BERT encodes both sentences of a pair, mean pooling over real tokens gives the sentence vectors,
 * and CoSENT asks every pair with a higher gold score to get a higher cosine than any lower-scored pair
 * of the batch. Reports Spearman on the test split against the character-overlap baseline, saves the
 * model as a directory `bert4tfjs embed` / `similar` can open, and searches a few sentences with it.
 *
 *   node packages/cli/bin/run-ts.js examples/sentence-embeddings.ts [epochs=2] [trainPairs=4000] [outDir=runs/example-embeddings]
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { initBackend, spearman } from '@bert4tfjs/core';
import { saveModelDir } from '@bert4tfjs/models';
import { jaccard, readMatchingFile } from 'bert4tfjs';
import { cosentBiEncoder } from './lib/cosent-bi-encoder.ts';

const epochs = Number(process.argv[2] ?? 2);
const limit = Number(process.argv[3] ?? 4000);
const outDir = resolve(process.argv[4] ?? 'runs/example-embeddings');
const DATA = join(import.meta.dirname, 'data', 'zh-matching');

await initBackend();
// Graded pairs (score 0-5): STS-B layout, CSV.
const train = readMatchingFile(join(DATA, 'train.csv')).pairs.slice(0, limit);
const test = readMatchingFile(join(DATA, 'test.csv')).pairs;
const { bert, vocab, embedder, trainEpochs, dispose } = cosentBiEncoder(train, { epochs });
// Evaluate with the same Embedder `bert4tfjs embed` uses: cosine of normalised mean-pooled vectors.
const gold = test.map((p) => p.label);
const testSpearman = (): number => {
  const va = embedder.embed(test.map((p) => ({ text: p.a })));
  const vb = embedder.embed(test.map((p) => ({ text: p.b })));
  return spearman(
    va.map((x, i) => x.reduce((s, v, k) => s + v * vb[i][k], 0)),
    gold,
  );
};
// The same model before any step: what training has to beat.
console.log(`untrained Spearman ${testSpearman().toFixed(4)}`);
await trainEpochs();
console.log(
  `test Spearman ${testSpearman().toFixed(4)}  (character-overlap Jaccard baseline ${spearman(
    test.map((p) => jaccard(p.a, p.b)),
    gold,
  ).toFixed(4)})`,
);

// Save as a model directory embed/similar can open: vocab, tokenizer settings, and the pooling to use.
await saveModelDir(bert, outDir, { force: true });
writeFileSync(join(outDir, 'vocab.txt'), `${vocab.join('\n')}\n`);
writeFileSync(join(outDir, 'tokenizer_config.json'), `${JSON.stringify({ do_lower_case: true })}\n`);
writeFileSync(
  join(outDir, 'bert4tfjs.json'),
  `${JSON.stringify({ objective: 'cosent', pooling: 'mean', normalize: true, max_length: 64 })}\n`,
);
console.log(`saved ${outDir}; try: bert4tfjs similar --model ${outDir} --corpus FILE --query TEXT`);

// Semantic search over a few sentences.
const corpus = [...new Set(test.slice(0, 12).flatMap((p) => [p.a, p.b]))];
const vectors = embedder.embed(corpus.map((text) => ({ text })));
const query = test.find((p) => p.label === 5)!.a;
const [q] = embedder.embed([{ text: query }]);
const ranked = corpus
  .map((text, i) => ({ text, score: vectors[i].reduce((s, v, k) => s + v * q[k], 0) }))
  .sort((x, y) => y.score - x.score);
console.log(`query: ${query}`);
for (const r of ranked.slice(0, 3)) console.log(`  ${r.score.toFixed(3)}  ${r.text}`);
dispose();
