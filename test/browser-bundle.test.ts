// @bert4tfjs/core's browser entry (`@bert4tfjs/core/browser`) bundles for a web page: esbuild with
// platform=browser resolves every import (a `node:` builtin would fail the build) and no Node builtin
// reaches the bundle. The headless-Chromium run of models and tokenizers is not built yet (see issue 16).
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/paths.ts';

const NODE_BUILTINS = /^(node:|fs$|path$|os$|crypto$|worker_threads$|module$|vm$|zlib$|child_process$)/;

describe('browser bundle of @bert4tfjs/core', () => {
  it('bundles with platform=browser and pulls in no Node builtin', async () => {
    const result = await esbuild.build({
      entryPoints: [join(REPO_ROOT, 'packages', 'core', 'src', 'browser.ts')],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
      outdir: join(REPO_ROOT, '.tmp-browser-bundle'),
    });
    const reached = Object.values(result.metafile.inputs).flatMap((i) => i.imports.map((x) => x.path));
    expect(reached.filter((p) => NODE_BUILTINS.test(p))).toEqual([]);
    const bytes = result.outputFiles.reduce((n, f) => n + f.contents.byteLength, 0);
    console.log(`@bert4tfjs/core browser bundle (unminified, with tfjs): ${(bytes / 1e6).toFixed(2)} MB`);
    expect(bytes).toBeGreaterThan(0);
  });
});
