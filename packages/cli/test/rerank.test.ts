// Re-ranked retrieval (pipeline/rerank.ts) against small examples worked by hand: a hub that plain cosine
// ranks first for every query and CSLS demotes, and a U-shaped curve where the geodesic distance on the
// k-NN graph ranks the along-the-curve neighbour above the point across the gap.
import { describe, expect, it } from 'vitest';
import { rankNeighbours, rerankScores } from '../src/pipeline/rerank.ts';

const v = (...xs: number[]) => new Float32Array(xs);

describe('CSLS hubness reduction', () => {
  // Corpus: the three axes and the hub h = (1,1,1)/√3. Queries q_i = 2e_i + the other two axes, /√6.
  const corpus = [v(1, 0, 0), v(0, 1, 0), v(0, 0, 1), v(1, 1, 1)];
  const queries = [v(2, 1, 1), v(1, 2, 1), v(1, 1, 2)];

  it('plain cosine ranks the hub first for every query', () => {
    for (const hits of rankNeighbours(queries, corpus, 2, { method: 'none' })) {
      expect(hits[0].index).toBe(3);
      expect(hits[0].score).toBeCloseTo(4 / Math.sqrt(18), 6); // cos(q, h) = 4/√18 > cos(q, e_i) = 2/√6
    }
  });

  it('CSLS with k = 2 demotes the hub below each query’s own axis, with the hand-worked scores', () => {
    // r_q = (4/√18 + 2/√6)/2 (its two nearest: h, e_i); r_e = (1/√3 + 0)/2; r_h = (1/√3 + 1/√3)/2.
    const rq = (4 / Math.sqrt(18) + 2 / Math.sqrt(6)) / 2;
    const rAxis = 1 / Math.sqrt(3) / 2;
    const rHub = 1 / Math.sqrt(3);
    const scores = rerankScores(queries, corpus, { method: 'csls', k: 2 });
    expect(scores[0][0]).toBeCloseTo((2 * 2) / Math.sqrt(6) - rq - rAxis, 6);
    expect(scores[0][1]).toBeCloseTo((2 * 1) / Math.sqrt(6) - rq - rAxis, 6);
    expect(scores[0][3]).toBeCloseTo((2 * 4) / Math.sqrt(18) - rq - rHub, 6);
    rankNeighbours(queries, corpus, 2, { method: 'csls', k: 2 }).forEach((hits, i) => {
      expect(hits.map((h) => h.index)).toEqual([i, 3]);
    });
  });

  it('with k = 1 every r is 1/√3 and CSLS keeps the cosine order (a check that k matters)', () => {
    const [hits] = rankNeighbours(queries, corpus, 1, { method: 'csls', k: 1 });
    expect(hits[0].index).toBe(3);
  });
});

describe('geodesic similarity on the k-NN graph', () => {
  // A U in the plane, lifted to (x, y, 1): left arm x = −0.05 and right arm x = +0.05, y = 0.48 down to 0
  // in steps of 0.08, joined by a half circle of radius 0.05 under y = 0. The arms' tips are 0.1 apart,
  // more than the 0.08 step, so the 1-NN graph is one chain along the U.
  const arm = (x: number) => [0.48, 0.4, 0.32, 0.24, 0.16, 0.08, 0].map((y) => [x, y]);
  const bottom = [-150, -120, -90, -60, -30].map((deg) => [
    0.05 * Math.cos((deg * Math.PI) / 180),
    0.05 * Math.sin((deg * Math.PI) / 180),
  ]);
  const points = [...arm(-0.05), ...bottom.reverse(), ...arm(0.05).reverse()];
  const corpus = points.map(([x, y]) => v(x, y, 1));
  const leftTip = 0;
  const leftSecond = 1;
  const rightTip = points.length - 1;
  const query = v(-0.02, 0.5, 1);
  const cos = (a: Float32Array, b: Float32Array) =>
    a.reduce((s, x, i) => s + x * b[i], 0) / Math.hypot(...a) / Math.hypot(...b);
  const chord = (a: Float32Array, b: Float32Array) => Math.sqrt(2 - 2 * cos(a, b));

  it('plain cosine ranks the tip across the gap second', () => {
    const [hits] = rankNeighbours([query], corpus, 3, { method: 'none' });
    expect(hits.map((h) => h.index)).toEqual([leftTip, rightTip, leftSecond]);
  });

  it('geodesic with k = 1 ranks the next point along the curve second, scored from the path length', () => {
    const [hits] = rankNeighbours([query], corpus, 3, { method: 'geodesic', k: 1 });
    expect(hits.map((h) => h.index)).toEqual([leftTip, leftSecond, 2]);
    // The query's only edge is to the left tip, so L = chord(q, tip) + chord(tip, second).
    const L = chord(query, corpus[leftTip]) + chord(corpus[leftTip], corpus[leftSecond]);
    expect(hits[1].score).toBeCloseTo(1 - (L * L) / 2, 6);
    expect(hits[0].score).toBeCloseTo(cos(query, corpus[leftTip]), 6); // direct edge: score = cosine
    const [all] = rerankScores([query], corpus, { method: 'geodesic', k: 1 }).map((r) => Array.from(r));
    // The right tip is reached only around the bend: last of all.
    expect(Math.min(...all)).toBe(all[rightTip]);
  });

  it('with k = 2 the query links straight to both tips and the cosine order returns', () => {
    const [hits] = rankNeighbours([query], corpus, 2, { method: 'geodesic', k: 2 });
    expect(hits.map((h) => h.index)).toEqual([leftTip, rightTip]);
  });

  it('unreachable vectors score −Infinity and come last, by cosine', () => {
    // Two far clusters and k = 1: the query reaches only its own cluster.
    const c = [v(1, 0, 0), v(1, 0.1, 0), v(0, 0, 1), v(0.1, 0, 1)];
    const [hits] = rankNeighbours([v(1, 0.01, 0)], c, 4, { method: 'geodesic', k: 1 });
    expect(hits.map((h) => h.index)).toEqual([0, 1, 3, 2]);
    expect(hits[3].score).toBe(Number.NEGATIVE_INFINITY);
  });
});

describe('bad input', () => {
  it('names the mismatched vector and the bad k', () => {
    expect(() => rerankScores([v(1, 0)], [v(1, 0, 0)], { method: 'csls' })).toThrow(/query vector 0 has 2/);
    expect(() => rerankScores([v(1)], [v(1)], { method: 'csls', k: 0 })).toThrow(/k must be an integer >= 1/);
  });
});
