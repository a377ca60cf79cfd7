/**
 * The import graph of the workspace's sources, read with TypeScript's own pre-processor (so imports in
 * comments and strings are not counted, and `import type` / `export ... from` / `import()` are), plus
 * the two checks the layering rules need: cycles, and imports that cross a package boundary the wrong
 * way. Used by test/import-graph.test.ts.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** One source file's imports: resolved workspace files, and bare package specifiers. */
export interface ImportGraph {
  /** file (repo-relative) -> repo-relative files it imports. */
  edges: Map<string, string[]>;
  /** file (repo-relative) -> bare specifiers it imports (`@bert4tfjs/core`, `node:fs`, ...). */
  packages: Map<string, string[]>;
}

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Reads the import graph of every `.ts` file under `dirs` (absolute); paths are relative to `root`. */
export function readImportGraph(root: string, dirs: string[]): ImportGraph {
  const edges = new Map<string, string[]>();
  const packages = new Map<string, string[]>();
  for (const file of dirs.flatMap(tsFiles)) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const local: string[] = [];
    const bare: string[] = [];
    for (const { fileName: spec } of info.importedFiles) {
      if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec);
        if (!existsSync(target)) throw new Error(`${relative(root, file)}: import '${spec}' does not resolve`);
        local.push(relative(root, target));
      } else {
        bare.push(spec);
      }
    }
    edges.set(relative(root, file), local);
    packages.set(relative(root, file), bare);
  }
  return { edges, packages };
}

/** Every import cycle in `edges`, each as the file path that closes it (`a -> b -> a`); none: []. */
export function findCycles(edges: Map<string, string[]>): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      const s = state.get(next);
      if (s === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (s === undefined) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...edges.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}

/** A layering rule: files under `from` must not import any of `forbidden` (package names). */
export interface LayerRule {
  from: string;
  forbidden: string[];
}

/**
 * Imports that break a layering rule or leave their package by a relative path (`../../core/src/...`),
 * as `file: what`. `packageRoots` are the repo-relative package folders (`packages/core`, ...).
 */
export function layeringViolations(graph: ImportGraph, rules: LayerRule[], packageRoots: string[]): string[] {
  const problems: string[] = [];
  const rootOf = (file: string): string | undefined => packageRoots.find((r) => file.startsWith(`${r}/`));
  for (const [file, specs] of graph.packages) {
    for (const rule of rules.filter((r) => file.startsWith(`${r.from}/`))) {
      for (const spec of specs) {
        if (rule.forbidden.some((p) => spec === p || spec.startsWith(`${p}/`)))
          problems.push(`${file}: imports ${spec}`);
      }
    }
  }
  for (const [file, targets] of graph.edges) {
    const own = rootOf(file);
    for (const t of targets) {
      if (own && rootOf(t) !== own) problems.push(`${file}: reaches into ${t} by a relative path`);
    }
  }
  return problems;
}
