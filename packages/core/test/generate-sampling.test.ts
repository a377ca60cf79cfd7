import { describe, expect, it } from 'vitest';
import { Bert4tfjsError } from '../src/errors.ts';
import { PrefixTree, argmax, drawIndex, samplingDistribution, topKIndices } from '../src/generate/index.ts';
import { normals } from './generate-toys.ts';

describe('PrefixTree', () => {
  const END = 0;
  const tree = new PrefixTree(
    [
      [5, 3],
      [5, 3, 7],
      [5, 4],
      [2],
      [5, 3], // duplicate: counted once
    ],
    { endId: END },
  );

  it('lists the allowed continuations of a prefix, end id where a sequence is complete', () => {
    expect(tree.size).toBe(4);
    expect(tree.allowedNext([])).toEqual([2, 5]);
    expect(tree.allowedNext([5])).toEqual([3, 4]);
    expect(tree.allowedNext([5, 3])).toEqual([END, 7]);
    expect(tree.allowedNext([5, 3, 7])).toEqual([END]);
    expect(tree.allowedNext([2])).toEqual([END]);
    expect(tree.allowedNext([6])).toEqual([]);
    expect(tree.allowedNext([5, 3, 7, 1])).toEqual([]);
  });

  it('knows its members exactly', () => {
    expect(tree.has([5, 3])).toBe(true);
    expect(tree.has([5])).toBe(false);
    expect(tree.has([5, 3, 7])).toBe(true);
    expect(tree.has([2, 0])).toBe(false);
  });

  it('allows ending at once for an empty sequence', () => {
    expect(new PrefixTree([[], [1]], { endId: 9 }).allowedNext([])).toEqual([1, 9]);
  });

  it('rejects bad input with a Bert4tfjsError naming the argument', () => {
    expect(() => new PrefixTree([[1, 0, 2]], { endId: 0 })).toThrow(/sequences\[0\]\[1\].*end id/);
    expect(() => new PrefixTree([[1, -2]], { endId: 0 })).toThrow(Bert4tfjsError);
    expect(() => new PrefixTree([[1.5]], { endId: 0 })).toThrow(/sequences\[0\]\[0\]/);
    expect(() => new PrefixTree([[1]], { endId: -1 })).toThrow(/endId/);
    expect(() => new PrefixTree('abc' as never, { endId: 0 })).toThrow(/sequences/);
  });
});

describe('argmax and topKIndices', () => {
  it('argmax takes the lowest index on ties and ignores -Infinity', () => {
    expect(argmax([1, 3, 3, -Infinity])).toBe(1);
    expect(argmax([-Infinity, -Infinity])).toBe(-1);
    expect(argmax([-Infinity, -5])).toBe(1);
  });

  it('topKIndices equals a full stable sort, over random rows with ties and -Infinity', () => {
    for (let trial = 0; trial < 50; trial++) {
      const raw = normals(`topk${trial}`, 40);
      // Round to create ties; knock some entries out.
      const row = raw.map((v, i) => (i % 7 === 3 ? -Infinity : Math.round(v * 2) / 2));
      const finite = row.map((_v, i) => i).filter((i) => row[i] > -Infinity);
      const sorted = finite.sort((a, b) => row[b] - row[a] || a - b);
      for (const k of [1, 3, 8, 40, 100]) expect(topKIndices(row, k)).toEqual(sorted.slice(0, k));
    }
  });
});

describe('samplingDistribution', () => {
  // Distinct probabilities; logits are their logs shifted by an arbitrary constant.
  const p = [0.1, 0.5, 0.05, 0.2, 0.15];
  const logits = p.map((v) => Math.log(v) + 3.7);
  const close = (a: ArrayLike<number>, b: number[]): void => {
    expect(a.length).toBe(b.length);
    b.forEach((v, i) => expect(a[i]).toBeCloseTo(v, 9));
  };

  it('is the softmax when nothing is filtered, and masks -Infinity', () => {
    close(samplingDistribution(logits), p);
    const masked = [...logits];
    masked[1] = -Infinity;
    close(
      samplingDistribution(masked),
      p.map((v, i) => (i === 1 ? 0 : v / 0.5)),
    );
    close(samplingDistribution([-Infinity, -Infinity]), [0, 0]);
  });

  it('topP keeps the smallest most-likely set with mass >= p (hand-worked)', () => {
    close(samplingDistribution(logits, { topP: 0.8 }), [0, 0.5 / 0.85, 0, 0.2 / 0.85, 0.15 / 0.85]);
    // 0.5 + 0.2 reaches 0.7 exactly: two ids suffice.
    close(samplingDistribution(logits, { topP: 0.7 }), [0, 0.5 / 0.7, 0, 0.2 / 0.7, 0]);
    close(samplingDistribution(logits, { topP: 0.71 }), [0, 0.5 / 0.85, 0, 0.2 / 0.85, 0.15 / 0.85]);
    close(samplingDistribution(logits, { topP: 0.3 }), [0, 1, 0, 0, 0]);
    close(samplingDistribution(logits, { topP: 1 }), p);
  });

  it('topP support equals the smallest subset with mass >= p, by enumerating every subset', () => {
    for (let trial = 0; trial < 20; trial++) {
      const x = normals(`topp${trial}`, 6);
      const full = samplingDistribution(x);
      for (const topP of [0.2, 0.5, 0.75, 0.9, 0.99]) {
        let bestMask = -1;
        let bestSize = Infinity;
        let bestMass = -1;
        for (let mask = 1; mask < 1 << 6; mask++) {
          let mass = 0;
          let size = 0;
          for (let i = 0; i < 6; i++)
            if (mask & (1 << i)) {
              mass += full[i];
              size++;
            }
          // Among the smallest sufficient subsets, the one with the most mass is the top ones.
          if (mass >= topP && (size < bestSize || (size === bestSize && mass > bestMass))) {
            bestMask = mask;
            bestSize = size;
            bestMass = mass;
          }
        }
        const got = samplingDistribution(x, { topP });
        for (let i = 0; i < 6; i++) {
          const inSet = (bestMask & (1 << i)) !== 0;
          expect(got[i] > 0).toBe(inSet);
          if (inSet) expect(got[i]).toBeCloseTo(full[i] / bestMass, 9);
        }
      }
    }
  });

  it('topK keeps the k most likely, and temperature sharpens or flattens', () => {
    close(samplingDistribution(logits, { topK: 2 }), [0, 0.5 / 0.7, 0, 0.2 / 0.7, 0]);
    close(samplingDistribution(logits, { topK: 1 }), [0, 1, 0, 0, 0]);
    // Temperature 2: probabilities proportional to sqrt(p).
    const root = p.map(Math.sqrt);
    const z = root.reduce((s, v) => s + v, 0);
    close(
      samplingDistribution(logits, { temperature: 2 }),
      root.map((v) => v / z),
    );
    // topK then topP: of {0.5, 0.2, 0.15} renormalised to 1/0.85, 0.5/0.85 < 0.6 <= 0.7/0.85.
    close(samplingDistribution(logits, { topK: 3, topP: 0.6 }), [0, 0.5 / 0.7, 0, 0.2 / 0.7, 0]);
  });

  it('rejects bad filters', () => {
    expect(() => samplingDistribution(logits, { topP: 0 })).toThrow(/topP/);
    expect(() => samplingDistribution(logits, { topP: 1.2 })).toThrow(Bert4tfjsError);
    expect(() => samplingDistribution(logits, { topK: 0 })).toThrow(/topK/);
    expect(() => samplingDistribution(logits, { temperature: 0 })).toThrow(/temperature/);
  });

  it('drawIndex inverts the cumulative distribution', () => {
    const probs = [0, 0.25, 0, 0.5, 0.25];
    expect(drawIndex(probs, 0)).toBe(1);
    expect(drawIndex(probs, 0.2499)).toBe(1);
    expect(drawIndex(probs, 0.25)).toBe(3);
    expect(drawIndex(probs, 0.7499)).toBe(3);
    expect(drawIndex(probs, 0.75)).toBe(4);
    expect(drawIndex(probs, 0.9999999)).toBe(4);
    expect(drawIndex([0, 0], 0.5)).toBe(-1);
  });
});
