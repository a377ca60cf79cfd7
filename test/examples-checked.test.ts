// The examples that check their own figure: each must exit 0 and print its "checked:" line (they throw
// when the figure does not hold) — FGM on vs off beating the majority baseline, and prefix-tree-constrained
// T5 generation producing only strings of the allowed list while unconstrained decoding does not.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, sharedAvailable } from './helpers/paths.ts';

function example(name: string, ...args: string[]): string {
  const r = spawnSync(
    process.execPath,
    [join(REPO_ROOT, 'packages', 'cli', 'bin', 'run-ts.js'), join(REPO_ROOT, 'examples', name), ...args],
    { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, BERT4TFJS_BACKEND: 'wasm' }, timeout: 200_000 },
  );
  expect(r.status, `${name}:\n${r.stderr}`).toBe(0);
  return r.stdout;
}

describe('examples with a checked figure', () => {
  it('fgm-on-off: both runs beat the majority baseline, options differ only by FGM', () => {
    const out = example('fgm-on-off.ts', '512');
    expect(out).toMatch(/^plain: +test accuracy \d\.\d{4}/m);
    expect(out).toMatch(/^FGM ε=0\.5: test accuracy \d\.\d{4}/m);
    expect(out).toMatch(/^checked: both beat the majority baseline by > 0\.1/m);
  }, 240_000);

  it('bert-of-theseus: the 4-layer predecessor and its 2-layer successor both beat the majority class', () => {
    const out = example('bert-of-theseus.ts', '1024', '1');
    const acc = (what: string) => Number(new RegExp(`^${what}: +test accuracy (\\d\\.\\d{4})`, 'm').exec(out)![1]);
    // 500 test pairs: 303 labelled 0, 197 labelled 1.
    expect(acc('majority-class baseline')).toBe(0.606);
    expect(acc('predecessor \\(4 layers\\)')).toBeGreaterThan(0.706);
    expect(acc('successor \\(2 layers, Theseus\\)')).toBeGreaterThan(0.706);
    expect(out).toMatch(/final p = 1\.00, largest weight change \d\.\d\de-\d/);
    expect(out).toMatch(/^checked: both the 4-layer predecessor and the 2-layer successor beat/m);
  }, 240_000);

  it('t5-prefix-tree: every constrained output is in the list, unconstrained ones are not all', () => {
    const out = example('t5-prefix-tree.ts');
    const m = /in the list: unconstrained (\d)\/8, greedy (\d)\/8, beam (\d)\/8/.exec(out)!;
    expect(Number(m[1])).toBeLessThan(8);
    expect([m[2], m[3]]).toEqual(['8', '8']);
    expect(out).toMatch(/^checked: every constrained output is one of the 7 allowed strings/m);
  }, 240_000);

  it.skipIf(!sharedAvailable('data/stsb-multi-mt-zh'))(
    'retrieval-rerank on STS-B zh: trained beats untrained, CSLS lowers hubness, geodesic keeps the top k',
    () => {
      const out = example('retrieval-rerank.ts', '1', '2000');
      const rows = [
        ...out.matchAll(
          /^ {2}(none|csls|geodesic) +Spearman (-?\d\.\d{4}) +R@1 (\d\.\d{3}) +R@5 (\d\.\d{3}) +R@10 (\d\.\d{3}) +N10 skewness (-?\d+\.\d{2})$/gm,
        ),
      ];
      // untrained then trained, three methods each
      expect(rows.map((r) => r[1])).toEqual(['none', 'csls', 'geodesic', 'none', 'csls', 'geodesic']);
      const [, , , none, csls, geodesic] = rows.map((r) => r.slice(2).map(Number));
      expect(none[0]).toBeGreaterThan(rows[0].slice(2).map(Number)[0] + 0.03);
      expect(csls[4]).toBeLessThan(none[4] - 0.2);
      expect(geodesic.slice(1, 4)).toEqual(none.slice(1, 4));
      for (const r of [none, csls, geodesic]) expect(r[1] <= r[2] && r[2] <= r[3]).toBe(true);
      expect(out).toMatch(/^checked: training lifts Spearman over the untrained model; CSLS lowers hubness/m);
    },
    240_000,
  );

  it('browser: the example page serves, embeds in headless Chromium, and a repeated sentence finds its copy', () => {
    if (!['/usr/bin/chromium', process.env.CHROME_PATH].some((p) => p && existsSync(p))) {
      if (process.env.BERT4TFJS_REQUIRE_BROWSER === '1') throw new Error('no Chromium for the browser example');
      console.warn('browser example skipped: no Chromium (apt-get install chromium, or set CHROME_PATH)');
      return;
    }
    const out = example('browser/serve.ts', '--check');
    expect(out).toMatch(/^checked: 7 sentences embedded in headless Chromium; the repeated one found its copy/m);
  }, 240_000);
});
