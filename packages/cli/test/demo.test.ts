// `bert4tfjs demo` (the README's main job), shrunk to seconds: it trains, prints metrics next to the
// baselines, saves the curves where it says, prints a nearest neighbour for each demo sentence, and can be
// run twice into the same directory, while a directory that is not a previous run is never replaced.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { demoData, demoSentences, replaceableRunDir } from '../src/commands/demo.ts';
import { runCli, tempDir } from './helpers.ts';

const QUICK = [
  '--backend',
  'wasm',
  '--config',
  'micro',
  '--epochs',
  '1',
  '--batch-size',
  '16',
  '--limit-train',
  '48',
  '--limit-eval',
  '40',
];

async function demo(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...xs: unknown[]) => {
    lines.push(xs.join(' '));
  });
  try {
    const r = await runCli('demo', ...QUICK, ...args);
    return { ...r, stdout: lines.join('\n') };
  } finally {
    spy.mockRestore();
  }
}

describe('demo', () => {
  const tmp = tempDir('b4t-demo-');
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('demo sentences are paraphrase pairs and same-words pairs of the bundled test split, partners adjacent', () => {
    const s = demoSentences(demoData('bundled').test);
    expect(s).toHaveLength(12);
    s.forEach((x, i) => expect(s[x.partner].partner).toBe(i));
    expect(s.filter((x) => x.paraphrase)).toHaveLength(8);
  });

  it('trains, reports metrics and baselines, saves the curves, prints neighbours; runs twice', async () => {
    const out = join(tmp, 'run');
    for (let round = 0; round < 2; round++) {
      const r = await demo('--out', out);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/test: +accuracy \d\.\d{4}/);
      expect(r.stdout).toMatch(/baseline majority class \([01]\): valid accuracy \d\.\d{4}, test accuracy/);
      expect(r.stdout).toMatch(/baseline character-overlap Jaccard/);
      const curves = /training curves: (.+)/.exec(r.stdout)![1];
      expect(curves).toBe(join(out, 'curves.svg'));
      expect(readFileSync(curves, 'utf8')).toMatch(/^<svg/);
      const neighbours = r.stdout.split('\n').filter((l) => / {2}-> {2}/.test(l));
      expect(neighbours).toHaveLength(12);
    }
  });

  it('refuses an --out that is not a previous run, and --data real without ../shared names the path', async () => {
    const mine = join(tmp, 'mine');
    mkdirSync(mine);
    writeFileSync(join(mine, 'notes.txt'), 'keep');
    expect(replaceableRunDir(mine)).toBe(false);
    const r = await demo('--out', mine);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('is not a previous run');
    expect(readFileSync(join(mine, 'notes.txt'), 'utf8')).toBe('keep');
    expect(() => demoData('real', join(tmp, 'no-shared'))).toThrow(/no-shared.*not found/);
    expect(existsSync(join(tmp, 'no-shared'))).toBe(false);
  });
});
