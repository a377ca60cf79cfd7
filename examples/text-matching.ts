/**
 * Journey 1 — text matching with a cross-encoder, written against the library (what `bert4tfjs
 * train-matching --objective cross-encoder` does, in one page): each pair becomes `[CLS] a [SEP] b [SEP]`,
 * BERT's pooler feeds a 2-way classifier (`numLabels: 2`, saved as Hugging Face's `classifier.weight`),
 * trained with cross-entropy; accuracy and F1 on the test split, next to the majority-class baseline and
 * the word-overlap one (character Jaccard, its threshold chosen on the validation split).
 *
 *   node packages/cli/bin/run-ts.js examples/text-matching.ts [epochs=2] [trainPairs=4000] [--model DIR] [--lr X] [--batch-size N]
 *
 * Without --model the BERT is tiny (2 x 128) and starts from scratch on a vocabulary built from the
 * training sentences; with --model DIR (a converted Chinese BERT) it is fine-tuned instead.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  accuracy,
  adam,
  binaryF1,
  crossEntropy,
  DataGenerator,
  initBackend,
  sequencePadding,
  toTensorBatch,
  Trainer,
  warmupLinearDecay,
} from '@bert4tfjs/core';
import { buildTransformerModel, loadModelDir } from '@bert4tfjs/models';
import { Tokenizer } from '@bert4tfjs/tokenizers';
import { buildVocab, computeBaselines, readMatchingFile } from 'bert4tfjs';

const args = process.argv.slice(2);
const modelAt = args.indexOf('--model');
const modelDir = modelAt >= 0 ? args.splice(modelAt, 2)[1] : null;
const flag = (name: string): number | null => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args.splice(at, 2)[1]) : null;
};
const lrFlag = flag('--lr');
const batchSize = flag('--batch-size') ?? 32;
const epochs = Number(args[0] ?? 2);
const limit = Number(args[1] ?? 4000);
const DATA = join(import.meta.dirname, 'data', 'zh-matching');

await initBackend();
const train = readMatchingFile(join(DATA, 'train.tsv')).pairs.slice(0, limit);
const test = readMatchingFile(join(DATA, 'test.tsv')).pairs;
const valid = readMatchingFile(join(DATA, 'valid.tsv')).pairs;

// Tokenizer and model: a converted checkpoint plus a new classifier, or a tiny BERT from scratch.
const tokenizer = modelDir
  ? Tokenizer.fromVocabFile(join(modelDir, 'vocab.txt'))
  : new Tokenizer(buildVocab(train.flatMap((p) => [p.a, p.b])));
const bert = modelDir
  ? loadModelDir(modelDir, { numLabels: 2 })
  : buildTransformerModel({
      model: 'bert',
      numLabels: 2,
      config: {
        vocab_size: tokenizer.vocabSize,
        hidden_size: 128,
        num_hidden_layers: 2,
        num_attention_heads: 2,
        intermediate_size: 512,
      },
    });
const logitsAt = bert.outputNames.indexOf('logits');

// Batches: pad each batch to its longest pair; labels are class ids.
const encode = (a: string, b: string) => tokenizer.encode(a, b, { maxLength: 64 });
type Example = { ids: number[]; types: number[]; label: number };
const examples: Example[] = train.map((p) => {
  const e = encode(p.a, p.b);
  return { ids: e.inputIds, types: e.tokenTypeIds, label: p.label };
});
const collate = (xs: Example[]) =>
  toTensorBatch(
    {
      input_ids: sequencePadding(xs.map((x) => x.ids)),
      token_type_ids: sequencePadding(xs.map((x) => x.types)),
      attention_mask: sequencePadding(xs.map((x) => x.ids.map(() => 1))),
      labels: xs.map((x) => x.label),
    },
    { attention_mask: 'float32', labels: 'int32' },
  );
const data = new DataGenerator(examples, { batchSize, seed: 1, bucketBy: (x) => x.ids.length, collate });

const steps = epochs * data.stepsPerEpoch;
const optimizer = adam({
  learningRate: lrFlag ?? (modelDir ? 3e-5 : 5e-4),
  schedule: warmupLinearDecay({ warmupSteps: Math.round(steps / 10), totalSteps: steps }),
});
const trainer = new Trainer({
  model: bert.model,
  inputs: ['input_ids', 'token_type_ids', 'attention_mask'],
  optimizer,
  progress: true,
  loss: (outputs, batch) => crossEntropy(batch.labels, outputs[logitsAt], { sparse: true }),
});
const t0 = performance.now();
await trainer.fit(data, { epochs });
console.log(`trained ${steps} steps in ${((performance.now() - t0) / 1000).toFixed(0)} s`);

// Test: predict the argmax class of every pair.
const predictions: number[] = [];
for (let s = 0; s < test.length; s += 64) {
  const batch = collate(
    test.slice(s, s + 64).map((p) => {
      const e = encode(p.a, p.b);
      return { ids: e.inputIds, types: e.tokenTypeIds, label: p.label };
    }),
  );
  const classes = tf.tidy(() => {
    const out = bert.model.predict([batch.input_ids, batch.token_type_ids, batch.attention_mask]) as tf.Tensor[];
    return tf.argMax(out[logitsAt], -1);
  });
  predictions.push(...(classes.dataSync() as Int32Array));
  tf.dispose([classes, ...Object.values(batch)]);
}
const labels = test.map((p) => p.label);
const majority = train.filter((p) => p.label === 1).length * 2 > train.length ? 1 : 0;
console.log(
  `test accuracy ${accuracy(predictions, labels).toFixed(4)}, F1 ${binaryF1(predictions, labels).f1.toFixed(4)}`,
);
console.log(
  `majority-class baseline (always ${majority}): ${accuracy(
    labels.map(() => majority),
    labels,
  ).toFixed(4)}`,
);
const overlap = computeBaselines(train, valid, test, 'binary').jaccard;
console.log(
  `word-overlap baseline (character Jaccard >= ${overlap.valid.threshold?.toFixed(3)}, threshold from valid): ${overlap.test?.accuracy?.toFixed(4)}`,
);
optimizer.dispose();
