// The micro-batch chooser and the activation estimate: pure arithmetic, expectations worked out by hand.
import { describe, expect, it } from 'vitest';
import {
  balancedSizes,
  chooseMicroBatch,
  estimateStepBytes,
  isOutOfMemory,
  perExampleEstimate,
  type MicroBatchQuery,
} from '../src/index.ts';

const base: MicroBatchQuery = {
  batchSize: 32,
  seqLen: 128,
  budgetBytes: 1000,
  fixedBytes: 100,
  accumulatorBytes: 50,
  perExample: () => 10,
};

describe('chooseMicroBatch', () => {
  it('keeps the whole batch when it fits (no accumulator needed)', () => {
    // 100 + 32 * 10 = 420 <= 1000
    expect(chooseMicroBatch(base)).toEqual({ microBatchSize: 32, sizes: [32], estimatedBytes: 420 });
  });
  it('splits into the fewest balanced micro-batches that fit', () => {
    // room = 300 - 100 - 50 = 150 -> at most 15 per micro-batch -> 3 micro-batches of 11, 11, 10
    const plan = chooseMicroBatch({ ...base, budgetBytes: 300 });
    expect(plan.sizes).toEqual([11, 11, 10]);
    expect(plan.microBatchSize).toBe(11);
    expect(plan.estimatedBytes).toBe(100 + 50 + 110);
    expect(plan.estimatedBytes).toBeLessThanOrEqual(300);
  });
  it('fails at once when splitting is off, saying what would fit', () => {
    expect(() => chooseMicroBatch({ ...base, budgetBytes: 300, allowSplit: false })).toThrow(/a batch of 15 would fit/);
  });
  it('names the longest sequence that fits when one example does not', () => {
    // one example at L costs L^2: 100 + 50 + L^2 <= 1000 -> L <= 29
    const q = { ...base, perExample: (l: number) => l * l };
    expect(() => chooseMicroBatch(q)).toThrow(/up to about 29 tokens/);
    try {
      chooseMicroBatch(q);
    } catch (e) {
      expect((e as { code: string }).code).toBe('does-not-fit');
    }
  });
  it('says when the fixed part alone is over budget', () => {
    expect(() => chooseMicroBatch({ ...base, fixedBytes: 990 })).toThrow(/alone exceed it/);
  });
  it('estimates a step from fixed, accumulator and activation parts', () => {
    expect(estimateStepBytes(base, 32)).toBe(420);
    expect(estimateStepBytes(base, 8)).toBe(100 + 50 + 80);
  });
});

describe('perExampleEstimate', () => {
  it('scales linearly down and quadratically up from a measurement', () => {
    const s = [{ seqLen: 128, perExampleBytes: 1000 }];
    expect(perExampleEstimate(s, 64)).toBe(500);
    expect(perExampleEstimate(s, 256)).toBe(4000);
  });
  it('takes the tightest bound over several measurements', () => {
    const s = [
      { seqLen: 64, perExampleBytes: 400 },
      { seqLen: 128, perExampleBytes: 1000 },
    ];
    // min(400 * (100/64)^2 = 976.5625, 1000 * 100/128 = 781.25)
    expect(perExampleEstimate(s, 100)).toBeCloseTo(781.25, 10);
    expect(() => perExampleEstimate([], 10)).toThrow(/no measurement/);
  });
});

describe('helpers', () => {
  it('balances sizes and recognises allocation failures', () => {
    expect(balancedSizes(10, 3)).toEqual([4, 3, 3]);
    expect(balancedSizes(8, 8)).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    expect(isOutOfMemory(new RangeError('Array buffer allocation failed'))).toBe(true);
    expect(isOutOfMemory(new Error('OOM when allocating tensor'))).toBe(true);
    expect(isOutOfMemory(new Error('labels hold 5'))).toBe(false);
  });
});
