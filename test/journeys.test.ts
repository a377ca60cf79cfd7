// The three user journeys as the examples/ scripts run them (plus the Sohu-style multi-task one). Each asserts a
// learned result an untrained model cannot reach, with thresholds from measured runs (wasm, 2 vCPUs):
// - sentence embeddings, 1 epoch on 1000 bundled pairs: test Spearman 0.748 against 0.174 for the same model
//   before training and 0.167 for character overlap (asserted: both beaten by > 0.3);
// - text matching (cross-encoder from scratch on the bundled synthetic zh-matching pairs): only the baselines
//   are asserted here. A longer run (3 epochs x 4000 pairs) reached 0.674 against majority 0.606 on one machine
//   and stayed at the majority class on CI's, so its learned figure is not a reliable check; the learned check on
//   the same data is test/matching-journey.test.ts (a CoSENT bi-encoder: above majority and Jaccard by > 0.15).
// The Sohu-style example is checked only for running to the end (its conditional-LN cross-encoder needs more
// than CI's time to leave the majority class).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/paths.ts';

const tmp = mkdtempSync(join(tmpdir(), 'b4t-journeys-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function example(name: string, ...args: string[]): string {
  const r = spawnSync(
    process.execPath,
    [join(REPO_ROOT, 'packages', 'cli', 'bin', 'run-ts.js'), join(REPO_ROOT, 'examples', name), ...args],
    {
      cwd: tmp,
      encoding: 'utf8',
      env: { ...process.env, BERT4TFJS_BACKEND: 'wasm' },
      timeout: 600_000,
    },
  );
  expect(r.status, `${name}:\n${r.stderr}`).toBe(0);
  return r.stdout;
}
const number = (re: RegExp, text: string): number => Number(re.exec(text)![1]);

describe('user journeys (examples/)', () => {
  it('text matching: a cross-encoder reports test accuracy, F1, the majority and word-overlap baselines', () => {
    const out = example('text-matching.ts', '1', '64');
    const acc = number(/test accuracy (\d\.\d+), F1/, out);
    const base = number(/majority-class baseline \(always [01]\): (\d\.\d+)/, out);
    expect(acc).toBeGreaterThanOrEqual(0);
    expect(acc).toBeLessThanOrEqual(1);
    // 500 test pairs: 303 labelled 0, 197 labelled 1.
    expect([0.606, 0.394]).toContain(base);
    // Same-words-other-meaning pairs make character overlap a weak predictor (0.584 measured, below majority).
    const overlap = number(
      /word-overlap baseline \(character Jaccard >= \d\.\d+, threshold from valid\): (\d\.\d+)/,
      out,
    );
    expect(overlap).toBeGreaterThan(0.5);
    expect(overlap).toBeLessThan(0.65);
  });

  it('sentence embeddings: CoSENT bi-encoder, Spearman vs baseline, a saved directory, a search', () => {
    const dir = join(tmp, 'emb');
    const out = example('sentence-embeddings.ts', '1', '1000', dir);
    const trained = number(/test Spearman (-?\d\.\d+)/, out);
    const untrained = number(/untrained Spearman (-?\d\.\d+)/, out);
    const overlap = number(/character-overlap Jaccard baseline (-?\d\.\d+)/, out);
    expect(trained).toBeGreaterThan(untrained + 0.3);
    expect(trained).toBeGreaterThan(overlap + 0.3);
    for (const f of ['config.json', 'model.safetensors', 'vocab.txt', 'bert4tfjs.json'])
      expect(existsSync(join(dir, f)), f).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'bert4tfjs.json'), 'utf8')).pooling).toBe('mean');
    expect(out.split('query: ')[1].trim().split('\n')).toHaveLength(4);
  }, 300_000);

  it('extract embeddings: token vectors and four sentence poolings from the bundled BERT', () => {
    const out = example('extract-embeddings.ts');
    expect(out).toMatch(/last_hidden_state\): \[4,\d+,32\]/);
    for (const p of ['cls', 'pooler', 'mean', 'first-last-avg'])
      expect(out).toMatch(new RegExp(`^${p} +\\[4,32\\] +cos\\(0,1\\)=`, 'm'));
  });

  it('sohu multi-task: per-task metrics with raw and EMA weights', () => {
    const out = example('sohu-multitask.ts', '1', '64');
    for (const part of out.split(/EMA weights:/)) {
      for (const t of ['ss-A', 'ss-B', 'sl-A', 'sl-B'])
        expect(part).toMatch(new RegExp(`${t}: accuracy \\d\\.\\d{4} +F1 \\d\\.\\d{4}`));
    }
  });
});
