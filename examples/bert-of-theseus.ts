/**
 * BERT-of-Theseus (Xu et al. 2020, as bert4keras's example teaches it): compress a 4-layer matcher into 2
 * layers by module replacement. The trained 4-layer predecessor is frozen; each successor block stands in for
 * two predecessor blocks, and at every step it replaces them with probability p, which a linear schedule
 * raises from 0.5 to 1 so the successor is trained alone at the end. The successor shares the predecessor's
 * (frozen) embeddings and starts from a copy of its first two blocks. The matcher is a CoSENT bi-encoder
 * (cosine of mean-pooled vectors, threshold chosen on the validation split). Prints both models' test accuracies, the
 * 2-layer truncation of the predecessor without Theseus training, and the majority baseline.
 *
 *   node packages/cli/bin/run-ts.js examples/bert-of-theseus.ts [trainPairs=1024] [epochs=2]
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  adam,
  bestThreshold,
  cosentLoss,
  DataGenerator,
  initBackend,
  l2Normalize,
  maskedMean,
  Trainer,
} from '@bert4tfjs/core';
import { buildTransformerModel, type TransformerModel } from '@bert4tfjs/models';
import { Tokenizer } from '@bert4tfjs/tokenizers';
import { buildVocab, readMatchingFile, seededRandom } from 'bert4tfjs';
import { collatePairs, tokenisePairs } from './lib/pair-batch.ts';

const limit = Number(process.argv[2] ?? 1024);
const epochs = Number(process.argv[3] ?? 2);
const lr = Number(process.argv[4] ?? 2e-3);
const DATA = join(import.meta.dirname, 'data', 'zh-matching');

await initBackend();
const train = readMatchingFile(join(DATA, 'train.tsv')).pairs.slice(0, limit);
const valid = readMatchingFile(join(DATA, 'valid.tsv')).pairs;
const test = readMatchingFile(join(DATA, 'test.tsv')).pairs;
const vocab = buildVocab(train.flatMap((p) => [p.a, p.b]));
const tokenizer = new Tokenizer(vocab);
const config = (layers: number) => ({
  vocab_size: vocab.length,
  hidden_size: 64,
  num_hidden_layers: layers,
  num_attention_heads: 2,
  intermediate_size: 256,
});
const predecessor = buildTransformerModel({ model: 'bert', config: config(4) });
const successor = buildTransformerModel({ model: 'bert', config: config(2) });

// Bi-encoder batches: both sentences of each pair (a_* and b_* inputs) and the 0/1 label.
const tokenised = (pairs: typeof train) => tokenisePairs(tokenizer, pairs, 40);
const data = new DataGenerator(tokenised(train), { batchSize: 32, seed: 7, collate: collatePairs });

// The embeddings as a model of their own, so blocks can be run one by one after them.
const embeddings = tf.model({
  inputs: predecessor.model.inputs.slice(0, 2),
  outputs: predecessor.model.getLayer('Embedding-Dropout').output,
});

/** Block `i` of `m` (BERT's post-norm block, its named layers reused), run eagerly on `x`. */
function block(m: TransformerModel, i: number, x: tf.Tensor, mask: tf.Tensor, training: boolean): tf.Tensor {
  const layer = (suffix: string) => m.model.getLayer(`Transformer-${i}-${suffix}`);
  const drop = (t: tf.Tensor) => (training ? tf.dropout(t, 0.1) : t);
  const a = layer('MultiHeadSelfAttention').apply([x, mask], { training }) as tf.Tensor;
  const h = layer('MultiHeadSelfAttention-Norm').apply(tf.add(x, drop(a))) as tf.Tensor;
  const f = layer('FeedForward').apply(h) as tf.Tensor;
  return layer('FeedForward-Norm').apply(tf.add(h, drop(f))) as tf.Tensor;
}

/** Sentence vectors of one side: embeddings, then for each successor module its block or the predecessor's two. */
type Route = (module: number) => 'successor' | 'predecessor';
function encodeSide(batch: Record<string, tf.Tensor>, k: string, route: Route, training: boolean): tf.Tensor {
  const mask = batch[`${k}attention_mask`];
  let x = embeddings.apply([batch[`${k}input_ids`], batch[`${k}token_type_ids`]], { training }) as tf.Tensor;
  for (let mod = 0; mod < 2; mod++)
    x =
      route(mod) === 'successor'
        ? block(successor, mod, x, mask, training)
        : block(predecessor, 2 * mod + 1, block(predecessor, 2 * mod, x, mask, training), mask, training);
  return l2Normalize(maskedMean(x, mask));
}
/** Cosine of each pair under `route`. */
const cosine = (batch: Record<string, tf.Tensor>, route: Route, training: boolean): tf.Tensor =>
  tf.sum(tf.mul(encodeSide(batch, 'a_', route, training), encodeSide(batch, 'b_', route, training)), -1);
const blockWeights = (m: TransformerModel) =>
  m.model.trainableWeights.filter((w) => w.originalName.startsWith('Transformer-')).map((w) => w.read() as tf.Variable);

const scoresOf = (pairs: typeof test, route: Route): Float32Array => {
  const batch = collatePairs(tokenised(pairs));
  const s = tf.tidy(() => cosine(batch, route, false));
  const out = s.dataSync() as Float32Array;
  tf.dispose([s, ...Object.values(batch)]);
  return out;
};
/** Test accuracy with the cosine threshold that is best on the validation split. */
const accuracy = (route: Route): number => {
  const { threshold } = bestThreshold(
    scoresOf(valid, route),
    valid.map((p) => p.label),
  );
  const s = scoresOf(test, route);
  return test.reduce((n, p, i) => n + ((s[i] >= threshold ? 1 : 0) === p.label ? 1 : 0), 0) / test.length;
};

// 1. The predecessor: the whole 4-layer model (embeddings included) and its head, trained on the task.
const steps = epochs * data.stepsPerEpoch;
const predOptimizer = adam({ learningRate: lr });
await new Trainer({
  variables: predecessor.model.trainableWeights.map((w) => w.read() as tf.Variable),
  optimizer: predOptimizer,
  lossFn: (batch, training) =>
    cosentLoss(
      batch.labels,
      cosine(batch, () => 'predecessor', training),
    ),
  memoryBudget: Infinity, // CoSENT ranks pairs across the whole batch: never split it
  microBatch: 'off',
}).fit(data, { epochs });
const predAcc = accuracy(() => 'predecessor');

// The successor starts from the predecessor's first two blocks and a copy of its classifier.
for (let i = 0; i < 2; i++)
  for (const suffix of ['MultiHeadSelfAttention', 'MultiHeadSelfAttention-Norm', 'FeedForward', 'FeedForward-Norm'])
    successor.model
      .getLayer(`Transformer-${i}-${suffix}`)
      .setWeights(predecessor.model.getLayer(`Transformer-${i}-${suffix}`).getWeights());
const truncatedAcc = accuracy(() => 'successor');

// 2. Module replacement: p rises linearly from 0.5 to 1 over the first 3/4 of the steps, then stays at 1.
const rng = seededRandom(11);
let step = 0;
const replaceProbability = () => Math.min(1, 0.5 + (0.5 * step) / Math.max(1, Math.round(steps * 0.75)));
const before = blockWeights(successor).map((v) => v.clone());
const succOptimizer = adam({ learningRate: lr });
await new Trainer({
  variables: blockWeights(successor),
  optimizer: succOptimizer,
  lossFn: (batch, training) => {
    const p = replaceProbability();
    const choice = [rng() < p, rng() < p];
    // A step that keeps both predecessor modules would touch no successor weight (and the gradient tape
    // has nothing to differentiate): then one module, picked at random, is replaced anyway.
    if (!choice[0] && !choice[1]) choice[rng() < 0.5 ? 0 : 1] = true;
    if (training) step++;
    return cosentLoss(
      batch.labels,
      cosine(batch, (mod) => (!training || choice[mod] ? 'successor' : 'predecessor'), training),
    );
  },
  microBatch: 'off',
  memoryBudget: Infinity,
}).fit(data, { epochs });
const moved = tf.tidy(() =>
  Math.max(...blockWeights(successor).map((v, i) => tf.max(tf.abs(tf.sub(v, before[i]))).dataSync()[0])),
);
tf.dispose(before);
const succAcc = accuracy(() => 'successor');
const majority = Math.max(...[0, 1].map((c) => test.filter((p) => p.label === c).length / test.length));

console.log(`majority-class baseline:          test accuracy ${majority.toFixed(4)}`);
console.log(`predecessor (4 layers):           test accuracy ${predAcc.toFixed(4)}`);
console.log(`first 2 layers, no Theseus:       test accuracy ${truncatedAcc.toFixed(4)}`);
console.log(
  `successor (2 layers, Theseus):    test accuracy ${succAcc.toFixed(4)}  (final p = ${replaceProbability().toFixed(2)}, largest weight change ${moved.toExponential(2)})`,
);
if (!(moved > 1e-4)) throw new Error('the successor blocks did not train');
if (!(predAcc > majority + 0.1))
  throw new Error(`predecessor ${predAcc} does not beat the majority ${majority} by 0.1`);
if (!(succAcc > majority + 0.1)) throw new Error(`successor ${succAcc} does not beat the majority ${majority} by 0.1`);
console.log('checked: both the 4-layer predecessor and the 2-layer successor beat the majority baseline by > 0.1');
predOptimizer.dispose();
succOptimizer.dispose();
