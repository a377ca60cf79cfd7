// Metrics against values worked out by hand.
import { describe, expect, it } from 'vitest';
import {
  accuracy,
  averageRanks,
  bestThreshold,
  binaryF1,
  pearson,
  spearman,
  thresholdAccuracy,
} from '../src/train/metrics.ts';

describe('metrics', () => {
  it('accuracy and F1', () => {
    expect(accuracy([1, 0, 1, 1], [1, 0, 0, 1])).toBe(0.75);
    // tp=2, fp=1, fn=1 -> p=2/3, r=2/3, f1=2/3
    const f = binaryF1([1, 1, 1, 0, 0], [1, 1, 0, 1, 0]);
    expect(f.precision).toBeCloseTo(2 / 3, 12);
    expect(f.recall).toBeCloseTo(2 / 3, 12);
    expect(f.f1).toBeCloseTo(2 / 3, 12);
    expect(() => accuracy([1], [1, 0])).toThrow(/1 predictions for 2 labels/);
  });

  it('average ranks, Pearson and Spearman', () => {
    expect(averageRanks([10, 20, 20, 5])).toEqual([2, 3.5, 3.5, 1]);
    expect(pearson([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [1, 4, 9, 100])).toBeCloseTo(1, 12);
    // ranks x = [1,2,3], y = [3,1,2]: pearson of ranks = (−1·1 + 0 + 1·0)/2 = −0.5
    expect(spearman([1, 2, 3], [30, 10, 20])).toBeCloseTo(-0.5, 12);
  });

  it('best threshold maximises accuracy and transfers', () => {
    const scores = [0.1, 0.4, 0.35, 0.8, 0.9];
    const labels = [0, 0, 1, 1, 1];
    const best = bestThreshold(scores, labels);
    // Predict 1 at >= t: t between 0.1 and 0.35 gets 4/5; between 0.4 and 0.8 also 4/5; none gets 5/5.
    expect(best.accuracy).toBeCloseTo(0.8, 12);
    expect(thresholdAccuracy(scores, labels, best.threshold)).toBeCloseTo(0.8, 12);
    expect(bestThreshold([0.2, 0.8], [0, 1]).accuracy).toBe(1);
  });
});
