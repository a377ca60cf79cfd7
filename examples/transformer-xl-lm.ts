/**
 * Trains a tiny character-level Transformer-XL on a bundled synthetic text (examples/data/
 * transformer-xl-lm.txt, from make-transformer-xl-lm-text.ts) for a minute or two, carrying memories
 * from batch to batch, then evaluates held-out text twice: with memories carried across segments and
 * with them reset before every segment. Each line repeats a random code word ~50 characters after it
 * first appears, often in the previous segment, so the carried memory should give the lower loss.
 *
 *   node packages/cli/bin/run-ts.js examples/transformer-xl-lm.ts [seconds=90]
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '@bert4tfjs/core';
import { buildTransformerModel, createLmTrainer, evaluateLm, lmBatches, transfoXlStepOf } from '@bert4tfjs/models';

const seconds = Number(process.argv[2] ?? 90);
const TGT_LEN = 32;
const MEM_LEN = 64;
const BATCH = 8;

const backend = await initBackend();
console.log(`backend: ${backend.name} (${backend.threads} thread(s))`);

const text = readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'data', 'transformer-xl-lm.txt'), 'utf8');
const chars = [...new Set(text)].sort();
const ids = [...text].map((c) => chars.indexOf(c));
const split = Math.floor(ids.length * 0.9);
const train = lmBatches(ids.slice(0, split), BATCH, TGT_LEN);
const heldOut = lmBatches(ids.slice(split), 4, TGT_LEN);
console.log(
  `${text.length} characters, vocabulary ${chars.length}; ${train.length} training windows of ${BATCH}x${TGT_LEN}`,
);

const built = buildTransformerModel({
  config: {
    model_type: 'transfo-xl',
    vocab_size: chars.length,
    d_model: 64,
    d_embed: 64,
    n_head: 4,
    d_head: 16,
    d_inner: 128,
    n_layer: 2,
    mem_len: MEM_LEN,
    dropout: 0.05,
    dropatt: 0,
    untie_r: true,
    cutoffs: [],
    div_val: 1,
  },
});
const step = transfoXlStepOf(built);
const trainer = createLmTrainer(step, built.model, { learningRate: 2e-3, clipNorm: 1 });

const start = Date.now();
const elapsed = () => (Date.now() - start) / 1000;
let updates = 0;
let recent: number[] = [];
for (let epoch = 1; elapsed() < seconds; epoch++) {
  for (const batch of train) {
    if (elapsed() >= seconds) break;
    recent.push(trainer.train(batch));
    if (++updates % 25 === 0) {
      const mean = recent.reduce((a, b) => a + b, 0) / recent.length;
      console.log(`epoch ${epoch} update ${updates}: train loss ${mean.toFixed(3)} (${elapsed().toFixed(0)} s)`);
      recent = [];
    }
  }
  // A new pass over the text starts a new stream.
  trainer.resetMemory();
}
trainer.dispose();

const carried = evaluateLm(step, heldOut, { carryMemory: true });
const reset = evaluateLm(step, heldOut, { carryMemory: false });
console.log(`held-out loss with memories carried between segments: ${carried.toFixed(4)} nats/char`);
console.log(`held-out loss with memories reset before each segment: ${reset.toFixed(4)} nats/char`);
console.log(
  carried < reset
    ? `carrying memory lowers the loss by ${(reset - carried).toFixed(4)}`
    : 'memory did not help (train longer?)',
);
built.model.dispose();
