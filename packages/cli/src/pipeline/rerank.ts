/**
 * Re-ranking nearest-neighbour retrieval over sentence embeddings, in plain TypeScript on the vectors:
 *
 * - `none`: cosine similarity.
 * - `csls`: hubness reduction (Cross-domain Similarity Local Scaling, Conneau et al. 2018):
 *   score(q, d) = 2·cos(q, d) − r_q − r_d, where r_q is the mean cosine of q to its k nearest corpus vectors
 *   and r_d the mean cosine of d to its k nearest other corpus vectors. A "hub" that is close to everything has
 *   a large r_d and drops; the corpus stands in for the query distribution, so one query works as well as many.
 * - `geodesic`: shortest-path length on the k-NN graph of the corpus (edges between each vector and its k
 *   nearest, made symmetric, weighted by the chord length √(2 − 2cos)); the query joins the graph through
 *   its own k nearest. Distances then follow the data's manifold instead of cutting across it. The score is
 *   1 − L²/2 (the cosine itself when the shortest path is the direct edge); unreachable vectors come last,
 *   scored −Infinity.
 */
import { Bert4tfjsError } from '@bert4tfjs/core';

/** The re-ranking methods of `similar` and {@link rankNeighbours}. */
export const RERANK_METHODS = ['none', 'csls', 'geodesic'] as const;
/** One re-ranking method. */
export type RerankMethod = (typeof RERANK_METHODS)[number];

/** How to score query–corpus pairs: the method and its neighbourhood size k (csls, geodesic). */
export interface RerankOptions {
  method: RerankMethod;
  /** Neighbours per vector for r (csls) or the graph (geodesic); default 10, capped at the corpus size. */
  k?: number;
}

/** Default neighbourhood size k. */
export const DEFAULT_RERANK_K = 10;

/** Returns L2-normalised float64 copies of the vectors (a zero vector stays zero). */
function normalised(vectors: Float32Array[]): Float64Array[] {
  return vectors.map((v) => {
    const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
    return Float64Array.from(v, (x) => x / n);
  });
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Checks the vectors share one dimension and k is a positive integer; returns the effective k. */
function validate(queries: Float32Array[], corpus: Float32Array[], options: RerankOptions): number {
  if (!RERANK_METHODS.includes(options.method))
    throw new Bert4tfjsError(
      `unknown rerank method "${options.method}" (expected ${RERANK_METHODS.join(' | ')})`,
      'bad-argument',
    );
  const k = options.k ?? DEFAULT_RERANK_K;
  if (!Number.isInteger(k) || k < 1)
    throw new Bert4tfjsError(`rerank k must be an integer >= 1, got ${k}`, 'bad-argument');
  const dim = corpus[0]?.length ?? queries[0]?.length ?? 0;
  for (const [what, list] of [
    ['corpus', corpus],
    ['query', queries],
  ] as const)
    list.forEach((v, i) => {
      if (v.length !== dim)
        throw new Bert4tfjsError(`${what} vector ${i} has ${v.length} dimensions, expected ${dim}`, 'bad-input');
    });
  return k;
}

/** Mean of the `k` largest values of `row`, skipping index `skip` (−1: none). */
function meanTopK(row: Float64Array, k: number, skip: number): number {
  const values: number[] = [];
  for (let j = 0; j < row.length; j++) if (j !== skip) values.push(row[j]);
  values.sort((a, b) => b - a);
  const n = Math.min(k, values.length);
  if (n === 0) return 0;
  let s = 0;
  for (let i = 0; i < n; i++) s += values[i];
  return s / n;
}

/** Indices of the `k` largest values of `row` except `skip`, largest first (ties by index). */
function topIndices(row: Float64Array, k: number, skip: number): number[] {
  const idx: number[] = [];
  for (let j = 0; j < row.length; j++) if (j !== skip) idx.push(j);
  idx.sort((a, b) => row[b] - row[a] || a - b);
  return idx.slice(0, k);
}

/** Chord length between unit vectors with cosine c (clamped: rounding can put c a hair above 1). */
function chord(c: number): number {
  return Math.sqrt(Math.max(0, 2 - 2 * c));
}

/** Binary min-heap of (distance, node) for Dijkstra. */
class MinHeap {
  private readonly d: number[] = [];
  private readonly n: number[] = [];
  get size(): number {
    return this.d.length;
  }
  push(dist: number, node: number): void {
    this.d.push(dist);
    this.n.push(node);
    let i = this.d.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.d[p] <= this.d[i]) break;
      this.swap(i, p);
      i = p;
    }
  }
  pop(): [number, number] {
    const top: [number, number] = [this.d[0], this.n[0]];
    const lastD = this.d.pop()!;
    const lastN = this.n.pop()!;
    if (this.d.length > 0) {
      this.d[0] = lastD;
      this.n[0] = lastN;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.d.length && this.d[l] < this.d[m]) m = l;
        if (r < this.d.length && this.d[r] < this.d[m]) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }
  private swap(a: number, b: number): void {
    [this.d[a], this.d[b]] = [this.d[b], this.d[a]];
    [this.n[a], this.n[b]] = [this.n[b], this.n[a]];
  }
}

/** Symmetric k-NN graph of the corpus: adjacency lists of [neighbour, chord length]. */
function knnGraph(corpusCos: Float64Array[], k: number): Array<Map<number, number>> {
  const adj = corpusCos.map(() => new Map<number, number>());
  corpusCos.forEach((row, i) => {
    for (const j of topIndices(row, k, i)) {
      const w = chord(row[j]);
      adj[i].set(j, w);
      adj[j].set(i, w);
    }
  });
  return adj;
}

/** Shortest-path lengths from a query (joined to the nodes `entry` with lengths `entryLen`) to every node. */
function dijkstra(adj: Array<Map<number, number>>, entry: number[], entryLen: number[]): Float64Array {
  const dist = new Float64Array(adj.length).fill(Number.POSITIVE_INFINITY);
  const heap = new MinHeap();
  entry.forEach((j, i) => {
    if (entryLen[i] < dist[j]) {
      dist[j] = entryLen[i];
      heap.push(entryLen[i], j);
    }
  });
  while (heap.size > 0) {
    const [d, u] = heap.pop();
    if (d > dist[u]) continue;
    for (const [v, w] of adj[u]) {
      const nd = d + w;
      if (nd < dist[v]) {
        dist[v] = nd;
        heap.push(nd, v);
      }
    }
  }
  return dist;
}

/**
 * Scores every query against every corpus vector by `options.method` (see the module comment): row q,
 * column d. Vectors need not be normalised; all must share one dimension.
 */
export function rerankScores(queries: Float32Array[], corpus: Float32Array[], options: RerankOptions): Float64Array[] {
  const k = validate(queries, corpus, options);
  const q = normalised(queries);
  const c = normalised(corpus);
  const qCos = q.map((qv) => Float64Array.from(c, (cv) => dot(qv, cv)));
  if (options.method === 'none') return qCos;
  const corpusCos = c.map((a) => Float64Array.from(c, (b) => dot(a, b)));
  if (options.method === 'csls') {
    const rDoc = corpusCos.map((row, i) => meanTopK(row, k, i));
    return qCos.map((row) => {
      const rQuery = meanTopK(row, k, -1);
      return Float64Array.from(row, (cos, j) => 2 * cos - rQuery - rDoc[j]);
    });
  }
  const adj = knnGraph(corpusCos, k);
  return qCos.map((row) => {
    const entry = topIndices(row, k, -1);
    const dist = dijkstra(
      adj,
      entry,
      entry.map((j) => chord(row[j])),
    );
    return Float64Array.from(dist, (L) => (Number.isFinite(L) ? 1 - (L * L) / 2 : Number.NEGATIVE_INFINITY));
  });
}

/**
 * The `topK` corpus indices with the highest re-ranked score for each query, best first; ties (and the
 * unreachable vectors of `geodesic`) are ordered by cosine, then by index.
 */
export function rankNeighbours(
  queries: Float32Array[],
  corpus: Float32Array[],
  topK: number,
  options: RerankOptions,
): Array<Array<{ index: number; score: number }>> {
  const scores = rerankScores(queries, corpus, options);
  const cos = options.method === 'none' ? scores : rerankScores(queries, corpus, { method: 'none' });
  return scores.map((row, qi) =>
    Array.from(row, (score, index) => ({ index, score }))
      .sort((a, b) => b.score - a.score || cos[qi][b.index] - cos[qi][a.index] || a.index - b.index)
      .slice(0, topK),
  );
}
