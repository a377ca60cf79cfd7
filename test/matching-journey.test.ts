// The matching journey with results a model that learns nothing cannot reach: a micro bi-encoder trained
// from scratch with CoSENT for one short epoch on the bundled (generated) zh-matching data. Thresholds come
// from measured runs with margin (seed 42, wasm): binary test accuracy 0.920 (majority 0.606, character-
// Jaccard 0.584), graded test Spearman 0.821 (Jaccard 0.167). A broken loss, a frozen model or shuffled
// labels stay at the baselines.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../packages/cli/test/helpers.ts';
import { REPO_ROOT } from './helpers/paths.ts';

const DATA = join(REPO_ROOT, 'examples', 'data', 'zh-matching');
const tmp = tempDir('b4t-journey-');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function cosent(split: 'tsv' | 'csv') {
  const out = join(tmp, split);
  const r = await runCli(
    'train-matching',
    ...['--backend', 'wasm', '--config', 'micro', '--objective', 'cosent', '--limit-train', '1024'],
    ...['--epochs', '1', '--batch-size', '32', '--max-length', '40', '--lr', '2e-3', '--evals-per-epoch', '1'],
    ...['--train', join(DATA, `train.${split}`), '--valid', join(DATA, `valid.${split}`)],
    ...['--test', join(DATA, `test.${split}`), '--out', out],
  );
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
}

describe('matching journey: a trained model beats the baselines', () => {
  it('binary pairs: test accuracy far above the majority class and the character-overlap baseline', async () => {
    const s = await cosent('tsv');
    expect(s.baselines.majority.test).toBeCloseTo(0.606, 3);
    expect(s.test.accuracy).toBeGreaterThan(0.8);
    expect(s.test.accuracy).toBeGreaterThan(s.baselines.majority.test + 0.15);
    expect(s.test.accuracy).toBeGreaterThan(s.baselines.jaccard.test.accuracy + 0.15);
  }, 240_000);

  it('graded pairs: test Spearman far above the character-overlap baseline', async () => {
    const s = await cosent('csv');
    expect(s.test.spearman).toBeGreaterThan(0.65);
    expect(s.test.spearman).toBeGreaterThan(s.baselines.jaccard.test.spearman + 0.4);
  }, 240_000);
});
