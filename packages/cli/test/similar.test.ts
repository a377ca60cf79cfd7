// `bert4tfjs similar`: the neighbours are the corpus lines with the highest cosine to the query,
// computed here independently from `embed`'s own vectors.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findSimilar, topKCosine } from '../src/commands/similar.ts';
import { makeBertModelDir, runCli, tempDir } from './helpers.ts';

const CORPUS = ['我爱北京天安门', '今天天气很好。', 'Hello, world!', 'bert4keras is fun', '我是小明', 'hello world'];

describe('similar', () => {
  const tmp = tempDir();
  const model = makeBertModelDir(tmp);
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('topKCosine ranks by cosine, ties by index', () => {
    const q = new Float32Array([1, 0]);
    const rows = [
      new Float32Array([0, 1]),
      new Float32Array([2, 0]),
      new Float32Array([1, 1]),
      new Float32Array([3, 0]),
    ];
    expect(topKCosine(q, rows, 3).map((r) => r.index)).toEqual([1, 3, 2]);
    expect(topKCosine(q, rows, 3)[2].score).toBeCloseTo(Math.SQRT1_2, 6);
  });

  it('the top neighbours equal a brute-force cosine ranking of embed vectors', async () => {
    const corpusFile = join(tmp, 'corpus.txt');
    writeFileSync(corpusFile, `${CORPUS.join('\n')}\n`);
    const all = join(tmp, 'all.txt');
    writeFileSync(all, `${[...CORPUS, 'hello world!'].join('\n')}\n`);
    const out = join(tmp, 'vectors.jsonl');
    const r = await runCli(
      'embed',
      '--backend',
      'cpu',
      '--model',
      model,
      '--input',
      all,
      '--output',
      out,
      '--pooling',
      'mean',
    );
    expect(r.code, r.stderr).toBe(0);
    const vecs = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).embedding as number[]);
    const q = vecs[vecs.length - 1];
    const cos = (a: number[], b: number[]) =>
      a.reduce((s, x, i) => s + x * b[i], 0) / Math.hypot(...a) / Math.hypot(...b);
    const expected = CORPUS.map((t, i) => ({ t, s: cos(q, vecs[i]) }))
      .sort((a, b) => b.s - a.s)
      .slice(0, 3);
    const [got] = findSimilar(model, CORPUS, ['hello world!'], { topK: 3, pooling: 'mean' });
    expect(got.map((n) => n.text)).toEqual(expected.map((e) => e.t));
    got.forEach((n, i) => expect(Math.abs(n.score - expected[i].s)).toBeLessThan(1e-4));
  });

  it('--rerank csls|geodesic: JSON neighbours are rankNeighbours on the same vectors; a bad method is named', async () => {
    const corpusFile = join(tmp, 'corpus-rerank.txt');
    writeFileSync(corpusFile, `${CORPUS.join('\n')}\n`);
    for (const method of ['csls', 'geodesic'] as const) {
      const r = await runCli(
        'similar',
        '--backend',
        'cpu',
        '--model',
        model,
        '--corpus',
        corpusFile,
        '--query',
        'hello world!',
        '--pooling',
        'mean',
        '--rerank',
        method,
        '--k',
        '2',
        '--top-k',
        '3',
        '--json',
      );
      expect(r.code, r.stderr).toBe(0);
      const [printed] = JSON.parse(r.stdout) as Array<{ neighbours: Array<{ text: string; score: number }> }>;
      const [got] = findSimilar(model, CORPUS, ['hello world!'], {
        topK: 3,
        pooling: 'mean',
        rerank: { method, k: 2 },
      });
      expect(printed.neighbours.map((n) => n.text)).toEqual(got.map((n) => n.text));
      expect(printed.neighbours).toHaveLength(3);
    }
    const bad = await runCli(
      'similar',
      '--backend',
      'cpu',
      '--model',
      model,
      '--corpus',
      corpusFile,
      '--query',
      'x',
      '--rerank',
      'mp',
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--rerank must be one of none \| csls \| geodesic/);
  });

  it('the CLI prints neighbours and rejects an empty corpus', async () => {
    const empty = join(tmp, 'empty.txt');
    writeFileSync(empty, '\n\n');
    const r = await runCli('similar', '--backend', 'cpu', '--model', model, '--corpus', empty, '--query', 'x');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/input file is empty|no non-empty lines/);
  });
});
