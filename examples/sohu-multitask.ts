/**
 * One encoder, several matching sub-tasks (in the spirit of the Sohu 2021 text-matching contest): the
 * task is a condition vector fed to every layer norm (conditional layer normalization, `layerNormCond`),
 * so the same pair can get different labels under different tasks. Weights are averaged with EMA
 * (`extendWithEma`): evaluation swaps the averages in (`apply`) and puts the raw weights back (`restore`).
 *
 * Data: pairs from our own generator (packages/cli/src/data/synthetic-zh.ts). Four tasks:
 *   ss-A  short-short, loose: same topic (paraphrase or same template with a slot changed) -> 1
 *   ss-B  short-short, strict: same meaning (paraphrase only) -> 1
 *   sl-A, sl-B  the same criteria with a longer second text (the sentence plus an unrelated one).
 *
 *   node packages/cli/bin/run-ts.js examples/sohu-multitask.ts [epochs=2] [trainPairs=3200]
 */
import * as tf from '@tensorflow/tfjs';
import {
  accuracy,
  adam,
  binaryF1,
  crossEntropy,
  DataGenerator,
  extendWithEma,
  initBackend,
  sequencePadding,
  toTensorBatch,
  Trainer,
  warmupLinearDecay,
} from '@bert4tfjs/core';
import { buildTransformerModel } from '@bert4tfjs/models';
import { Tokenizer } from '@bert4tfjs/tokenizers';
import { buildVocab, generateMatchingPairs, seededRandom } from 'bert4tfjs';

const epochs = Number(process.argv[2] ?? 2);
const nTrain = Number(process.argv[3] ?? 3200);
const TASKS = ['ss-A', 'ss-B', 'sl-A', 'sl-B'] as const;

/** Pairs of one generator run, each given a task (round robin), its task's label, and a long second text for sl-*. */
function taskPairs(n: number, seed: number): Array<{ a: string; b: string; task: number; label: number }> {
  const r = seededRandom(seed + 1);
  const pairs = generateMatchingPairs(n, seed);
  return pairs.map((p, i) => {
    const task = i % TASKS.length;
    const strict = TASKS[task].endsWith('B');
    const filler = pairs[Math.floor(r() * pairs.length)].a;
    return {
      a: p.a,
      b: TASKS[task].startsWith('sl') ? `${p.b}，另外${filler}` : p.b,
      task,
      label: strict ? (p.score === 5 ? 1 : 0) : p.score > 0 ? 1 : 0,
    };
  });
}

await initBackend();
const train = taskPairs(nTrain, 101);
const test = taskPairs(800, 202);
const tokenizer = new Tokenizer(buildVocab(train.flatMap((p) => [p.a, p.b])));
const bert = buildTransformerModel({
  model: 'bert',
  numLabels: 2,
  layerNormCond: { size: TASKS.length },
  config: {
    vocab_size: tokenizer.vocabSize,
    hidden_size: 128,
    num_hidden_layers: 2,
    num_attention_heads: 2,
    intermediate_size: 512,
  },
});
const logitsAt = bert.outputNames.indexOf('logits');

type Example = { ids: number[]; types: number[]; task: number; label: number };
const toExample = (p: { a: string; b: string; task: number; label: number }): Example => {
  const e = tokenizer.encode(p.a, p.b, { maxLength: 96 });
  return { ids: e.inputIds, types: e.tokenTypeIds, task: p.task, label: p.label };
};
const collate = (xs: Example[]) =>
  toTensorBatch(
    {
      input_ids: sequencePadding(xs.map((x) => x.ids)),
      token_type_ids: sequencePadding(xs.map((x) => x.types)),
      attention_mask: sequencePadding(xs.map((x) => x.ids.map(() => 1))),
      condition: xs.map((x) => TASKS.map((_, t) => (t === x.task ? 1 : 0))), // one-hot task
      labels: xs.map((x) => x.label),
    },
    { attention_mask: 'float32', condition: 'float32', labels: 'int32' },
  );
const data = new DataGenerator(train.map(toExample), {
  batchSize: 32,
  seed: 3,
  bucketBy: (x) => x.ids.length,
  collate,
});

const steps = epochs * data.stepsPerEpoch;
const ema = extendWithEma(
  adam({ learningRate: 5e-4, schedule: warmupLinearDecay({ warmupSteps: Math.round(steps / 10), totalSteps: steps }) }),
  { decay: 0.98 },
);
const trainer = new Trainer({
  model: bert.model,
  inputs: ['input_ids', 'token_type_ids', 'attention_mask', 'condition'],
  optimizer: ema,
  progress: true,
  loss: (outputs, batch) => crossEntropy(batch.labels, outputs[logitsAt], { sparse: true }),
});
await trainer.fit(data, { epochs });

/** Per-task accuracy and F1 on the test pairs with the weights currently in the model. */
function evaluate(): string[] {
  const examples = test.map(toExample);
  const predicted: number[] = [];
  for (let s = 0; s < examples.length; s += 64) {
    const batch = collate(examples.slice(s, s + 64));
    const classes = tf.tidy(() =>
      tf.argMax(
        (
          bert.model.predict([
            batch.input_ids,
            batch.token_type_ids,
            batch.attention_mask,
            batch.condition,
          ]) as tf.Tensor[]
        )[logitsAt],
        -1,
      ),
    );
    predicted.push(...(classes.dataSync() as Int32Array));
    tf.dispose([classes, ...Object.values(batch)]);
  }
  return TASKS.map((name, t) => {
    const idx = examples.map((e, i) => (e.task === t ? i : -1)).filter((i) => i >= 0);
    const y = idx.map((i) => examples[i].label),
      p = idx.map((i) => predicted[i]);
    const major = y.filter((v) => v === 1).length * 2 > y.length ? 1 : 0;
    return `${name}: accuracy ${accuracy(p, y).toFixed(4)}  F1 ${binaryF1(p, y).f1.toFixed(4)}  (majority ${accuracy(
      y.map(() => major),
      y,
    ).toFixed(4)}, n=${y.length})`;
  });
}
console.log('raw weights:');
for (const line of evaluate()) console.log(`  ${line}`);
ema.apply();
console.log('EMA weights:');
for (const line of evaluate()) console.log(`  ${line}`);
ema.restore();
ema.dispose();
