// No import cycles anywhere in packages/*/src, and the layering the README promises: core knows nothing
// of models, tokenizers or the CLI; models nothing of tokenizers or the CLI; tokenizers nothing of
// models or the CLI; no package reaches into another by a relative path. The checker itself is tested
// on small graphs that do break the rules, so a green run means something.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findCycles, type ImportGraph, layeringViolations, readImportGraph } from './helpers/import-graph.ts';
import { REPO_ROOT as repoRoot } from './helpers/paths.ts';

const PACKAGES = readdirSync(join(repoRoot, 'packages')).map((p) => `packages/${p}`);
const RULES = [
  { from: 'packages/core', forbidden: ['@bert4tfjs/models', '@bert4tfjs/tokenizers', 'bert4tfjs'] },
  { from: 'packages/models', forbidden: ['@bert4tfjs/tokenizers', 'bert4tfjs'] },
  { from: 'packages/tokenizers', forbidden: ['@bert4tfjs/models', 'bert4tfjs'] },
];

describe('the import graph checker', () => {
  it('finds a cycle, including a long one and a self-import', () => {
    const edges = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['d']],
      ['e', ['a']],
    ]);
    expect(findCycles(edges)).toEqual([
      ['a', 'b', 'c', 'a'],
      ['d', 'd'],
    ]);
    expect(
      findCycles(
        new Map([
          ['a', ['b']],
          ['b', []],
          ['c', ['a', 'b']],
        ]),
      ),
    ).toEqual([]);
  });

  it('flags a forbidden package import and a relative path out of the package', () => {
    const graph: ImportGraph = {
      edges: new Map([
        ['packages/core/src/x.ts', ['packages/models/src/y.ts']],
        ['packages/models/src/y.ts', ['packages/models/src/z.ts']],
      ]),
      packages: new Map([
        ['packages/core/src/x.ts', ['@bert4tfjs/models', 'node:fs']],
        ['packages/models/src/y.ts', ['@bert4tfjs/core', '@bert4tfjs/tokenizers/src/vocab.ts']],
      ]),
    };
    expect(layeringViolations(graph, RULES, ['packages/core', 'packages/models'])).toEqual([
      'packages/core/src/x.ts: imports @bert4tfjs/models',
      'packages/models/src/y.ts: imports @bert4tfjs/tokenizers/src/vocab.ts',
      'packages/core/src/x.ts: reaches into packages/models/src/y.ts by a relative path',
    ]);
  });
});

describe('packages/*/src', () => {
  const graph = readImportGraph(
    repoRoot,
    PACKAGES.map((p) => join(repoRoot, p, 'src')),
  );

  it('reads every package source file', () => {
    expect(graph.edges.size).toBeGreaterThan(100);
    expect(graph.edges.has('packages/models/src/registry.ts')).toBe(true);
  });

  it('has no import cycle (type-only imports included)', () => {
    expect(findCycles(graph.edges).map((c) => c.join(' -> '))).toEqual([]);
  });

  it('keeps the layering: core <- models <- cli, tokenizers beside models, no reaching across by path', () => {
    expect(layeringViolations(graph, RULES, PACKAGES)).toEqual([]);
  });
});
