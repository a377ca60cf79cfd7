/**
 * FGM adversarial training on vs off (bert4keras's `adversarial_training` recipe): the same micro CoSENT
 * bi-encoder, the same data, the same seed — once plain, once with the token embedding pushed by
 * δ = ε·g/‖g‖ each step and the gradients at E + δ added. Prints both test accuracies and checks that each
 * run beats the majority-class baseline and that the two differ only by --adversarial.
 *
 *   node packages/cli/bin/run-ts.js examples/fgm-on-off.ts [trainPairs=768] [epsilon=0.5]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@bert4tfjs/core';
import { trainMatching, type TrainMatchingSummary } from 'bert4tfjs';

const limit = Number(process.argv[2] ?? 768);
const epsilon = Number(process.argv[3] ?? 0.5);
const DATA = join(import.meta.dirname, 'data', 'zh-matching');
const tmp = mkdtempSync(join(tmpdir(), 'b4t-fgm-'));

await initBackend();
const run = (adversarial: boolean): Promise<TrainMatchingSummary> =>
  trainMatching({
    train: join(DATA, 'train.tsv'),
    valid: join(DATA, 'valid.tsv'),
    test: join(DATA, 'test.tsv'),
    config: 'micro',
    objective: 'cosent',
    epochs: 1,
    batchSize: 32,
    maxLength: 40,
    lr: 2e-3,
    evalsPerEpoch: 1,
    limitTrain: limit,
    seed: 42,
    controls: adversarial ? { adversarial: 'fgm', advEpsilon: epsilon } : {},
    out: join(tmp, adversarial ? 'fgm' : 'plain'),
  });
try {
  const plain = await run(false);
  const fgm = await run(true);
  const majority = plain.baselines.majority!.test!;
  console.log(`majority-class baseline: test accuracy ${majority.toFixed(4)}`);
  console.log(`plain:      test accuracy ${plain.test!.accuracy!.toFixed(4)}  (${plain.trainSeconds.toFixed(1)} s)`);
  console.log(`FGM ε=${epsilon}: test accuracy ${fgm.test!.accuracy!.toFixed(4)}  (${fgm.trainSeconds.toFixed(1)} s)`);
  const { adversarial: _a, advEpsilon: _e, ...same } = fgm.options;
  const { adversarial: _b, advEpsilon: _f, ...plainSame } = plain.options;
  if (JSON.stringify(same) !== JSON.stringify(plainSame)) throw new Error('the two runs differ in more than FGM');
  for (const [name, s] of [
    ['plain', plain],
    ['FGM', fgm],
  ] as const)
    if (!(s.test!.accuracy! > majority + 0.1))
      throw new Error(`${name}: test accuracy ${s.test!.accuracy} does not beat the majority baseline ${majority}`);
  console.log(
    `checked: both beat the majority baseline by > 0.1; FGM − plain = ${(fgm.test!.accuracy! - plain.test!.accuracy!).toFixed(4)}`,
  );
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
