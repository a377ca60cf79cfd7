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
import * as tf from '@tensorflow/tfjs';
import {
  adam,
  cosentLoss,
  DataGenerator,
  initBackend,
  l2Normalize,
  maskedMean,
  sequencePadding,
  spearman,
  toTensorBatch,
  Trainer,
  warmupLinearDecay,
} from '@bert4tfjs/core';
import { buildTransformerModel, saveModelDir } from '@bert4tfjs/models';
import { Tokenizer } from '@bert4tfjs/tokenizers';
import { buildVocab, Embedder, jaccard, readMatchingFile } from 'bert4tfjs';

const epochs = Number(process.argv[2] ?? 2);
const limit = Number(process.argv[3] ?? 4000);
const outDir = resolve(process.argv[4] ?? 'runs/example-embeddings');
const DATA = join(import.meta.dirname, 'data', 'zh-matching');

await initBackend();
// Graded pairs (score 0-5): STS-B layout, CSV.
const train = readMatchingFile(join(DATA, 'train.csv')).pairs.slice(0, limit);
const test = readMatchingFile(join(DATA, 'test.csv')).pairs;
const vocab = buildVocab(train.flatMap((p) => [p.a, p.b]));
const tokenizer = new Tokenizer(vocab);
const bert = buildTransformerModel({
  model: 'bert',
  config: {
    vocab_size: vocab.length,
    hidden_size: 128,
    num_hidden_layers: 2,
    num_attention_heads: 2,
    intermediate_size: 512,
  },
});

// A batch holds both sides: a_* and b_* inputs, one row per pair, plus the gold scores.
type Side = { ids: number[] };
const side = (text: string): Side => ({ ids: tokenizer.encode(text, undefined, { maxLength: 64 }).inputIds });
const examples = train.map((p) => ({ a: side(p.a), b: side(p.b), label: p.label }));
const pad = (xs: Side[], k: string) => ({
  [`${k}input_ids`]: sequencePadding(xs.map((x) => x.ids)),
  [`${k}token_type_ids`]: sequencePadding(xs.map((x) => x.ids.map(() => 0))),
  [`${k}attention_mask`]: sequencePadding(xs.map((x) => x.ids.map(() => 1))),
});
const data = new DataGenerator(examples, {
  batchSize: 32,
  seed: 1,
  collate: (xs) =>
    toTensorBatch(
      {
        ...pad(
          xs.map((x) => x.a),
          'a_',
        ),
        ...pad(
          xs.map((x) => x.b),
          'b_',
        ),
        labels: xs.map((x) => x.label),
      },
      { a_attention_mask: 'float32', b_attention_mask: 'float32', labels: 'float32' },
    ),
});

// The loss runs the shared encoder twice; its variables are the model's trainable weights.
const encode = (batch: Record<string, tf.Tensor>, k: string, training: boolean): tf.Tensor => {
  const out = bert.model.apply([batch[`${k}input_ids`], batch[`${k}token_type_ids`], batch[`${k}attention_mask`]], {
    training,
  }) as tf.Tensor;
  return l2Normalize(maskedMean(out, batch[`${k}attention_mask`]));
};
const steps = epochs * data.stepsPerEpoch;
const optimizer = adam({
  learningRate: 5e-4,
  schedule: warmupLinearDecay({ warmupSteps: Math.round(steps / 10), totalSteps: steps }),
});
const trainer = new Trainer({
  variables: bert.model.trainableWeights.map((w) => w.read() as tf.Variable),
  optimizer,
  progress: true,
  lossFn: (batch, training) =>
    cosentLoss(batch.labels, tf.sum(tf.mul(encode(batch, 'a_', training), encode(batch, 'b_', training)), -1)),
  microBatch: 'off',
  memoryBudget: Infinity, // CoSENT ranks pairs across the whole batch: never split it
});
// Evaluate with the same Embedder `bert4tfjs embed` uses: cosine of normalised mean-pooled vectors.
const embedder = new Embedder(bert, tokenizer, { pooling: 'mean', normalize: true, maxLength: 64 });
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
await trainer.fit(data, { epochs });
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
optimizer.dispose();
