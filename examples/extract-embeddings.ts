/**
 * Journey 3 — extract embeddings from a model directory, written against the library: token vectors
 * (`last_hidden_state`), and sentence vectors by [CLS], the pooler head, masked mean, and
 * first-last-average, then a cosine-similarity table of a few sentences.
 *
 *   node packages/cli/bin/run-ts.js examples/extract-embeddings.ts [modelDir]
 *
 * Default model: the bundled BERT fixture (fixtures/bert, Hugging Face layout) with its vocab; point it at
 * any converted BERT directory (config.json, model.safetensors, vocab.txt) or at a `train-matching` output.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend, l2Normalize, poolHidden } from '@bert4tfjs/core';
import { loadModelDir } from '@bert4tfjs/models';
import { Tokenizer } from '@bert4tfjs/tokenizers';

const REPO = join(import.meta.dirname, '..');
const dir = process.argv[2] ?? join(REPO, 'fixtures', 'bert');
const vocab = existsSync(join(dir, 'vocab.txt'))
  ? join(dir, 'vocab.txt')
  : join(REPO, 'fixtures', 'tokenizers', 'bert_wordpiece', 'vocab.txt');
const sentences = ['今天天气很好', '今天天气不错', '我爱北京天安门', 'hello world'];

await initBackend();
// loadModelDir builds every head the checkpoint carries (here: pooler, MLM, NSP).
const bert = loadModelDir(dir, { withPool: true });
const tokenizer = Tokenizer.fromVocabFile(vocab);
const batch = tokenizer.call(sentences, { padding: true, maxLength: 32 });

const table = tf.tidy(() => {
  const ids = tf.tensor2d(batch.inputIds, undefined, 'int32');
  const types = tf.tensor2d(batch.tokenTypeIds, undefined, 'int32');
  const mask = tf.tensor2d(batch.attentionMask, undefined, 'float32');
  const outs = bert.model.predict([ids, types, mask]) as tf.Tensor[];
  const last = outs[bert.outputNames.indexOf('last_hidden_state')];
  // The first Transformer block's output, for first-last-avg: a second model over the same graph.
  const firstLayer = bert.model.getLayer('Transformer-0-FeedForward-Norm').output as tf.SymbolicTensor;
  const first = tf.model({ inputs: bert.model.inputs, outputs: firstLayer }).predict([ids, types, mask]) as tf.Tensor;
  console.log(
    `token vectors (last_hidden_state): [${last.shape}] — one ${last.shape[2]}-d vector per token, padding included`,
  );
  const pooled: Record<string, tf.Tensor> = {
    cls: poolHidden('cls', last, mask),
    pooler: outs[bert.outputNames.indexOf('pooler_output')],
    mean: poolHidden('mean', last, mask),
    'first-last-avg': poolHidden('first-last-avg', last, mask, first),
  };
  const rows: string[] = [];
  for (const [name, v] of Object.entries(pooled)) {
    const unit = l2Normalize(v);
    const sims = tf.matMul(unit, tf.transpose(unit)).arraySync() as number[][];
    rows.push(
      `${name.padEnd(15)} [${v.shape}]  cos(0,1)=${sims[0][1].toFixed(3)}  cos(0,2)=${sims[0][2].toFixed(3)}  cos(0,3)=${sims[0][3].toFixed(3)}`,
    );
  }
  return rows;
});
console.log(`sentences: ${sentences.map((s, i) => `${i}=${s}`).join('  ')}`);
for (const row of table) console.log(row);
bert.model.dispose();
