// Every package's browser entry bundles for a web page: esbuild with platform=browser resolves every import
// (a `node:` builtin on the path fails the build) and no Node builtin reaches the bundle. The bare package
// names resolve to those entries under the `browser` condition, as a user's bundler would pick them. The
// page itself runs in headless Chromium in browser-page.test.ts.
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/paths.ts';

const NODE_BUILTINS = /^(node:|fs$|path$|os$|crypto$|worker_threads$|module$|vm$|zlib$|child_process$)/;

async function bundle(contents: string): Promise<{ bytes: number; reached: string[]; inputs: string[] }> {
  const result = await esbuild.build({
    stdin: { contents, resolveDir: REPO_ROOT, loader: 'ts' },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    minify: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
    outdir: join(REPO_ROOT, '.tmp-browser-bundle'),
  });
  const inputs = Object.keys(result.metafile.inputs);
  const reached = Object.values(result.metafile.inputs).flatMap((i) => i.imports.map((x) => x.path));
  return { bytes: result.outputFiles.reduce((n, f) => n + f.contents.byteLength, 0), reached, inputs };
}

describe('browser bundles of the packages', () => {
  for (const pkg of ['core', 'models', 'tokenizers']) {
    it(`@bert4tfjs/${pkg}/browser bundles with platform=browser and pulls in no Node builtin`, async () => {
      const { bytes, reached } = await bundle(`export * from '@bert4tfjs/${pkg}/browser';`);
      expect(reached.filter((p) => NODE_BUILTINS.test(p))).toEqual([]);
      console.log(`@bert4tfjs/${pkg} browser bundle (minified, with its dependencies): ${(bytes / 1e6).toFixed(2)} MB`);
      expect(bytes).toBeGreaterThan(0);
    });
  }

  it('the bare package names resolve to the browser entries under the browser condition', async () => {
    const { inputs } = await bundle(
      "export * from '@bert4tfjs/core'; export * from '@bert4tfjs/models'; export * from '@bert4tfjs/tokenizers';",
    );
    for (const pkg of ['core', 'models', 'tokenizers']) {
      expect(inputs).toContain(`packages/${pkg}/src/browser.ts`);
      expect(inputs).not.toContain(`packages/${pkg}/src/index.ts`);
    }
    // The Node-only files stay out: checkpoint conversion, model directories, jieba's dictionary paths.
    expect(inputs.filter((p) => /model-dir|convert\/(?!rule-helpers)|node-files|jieba\/paths/.test(p))).toEqual([]);
  });
});
