// Data pipeline: padding, text splitting, the seeded/bucketed generator and tensor batches, against
// hand-computed expectations.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { DataGenerator, sequencePadding, textSplit, toTensorBatch } from '../src/index.ts';

describe('sequencePadding', () => {
  it('pads at the end to the longest sequence by default', () => {
    expect(sequencePadding([[1, 2, 3], [4]])).toEqual([
      [1, 2, 3],
      [4, 0, 0],
    ]);
  });
  it('truncates and pads at either end', () => {
    expect(sequencePadding([[1, 2, 3], [4]], { length: 2 })).toEqual([
      [1, 2],
      [4, 0],
    ]);
    expect(sequencePadding([[1, 2, 3], [4]], { length: 2, padding: 'pre', truncating: 'pre' })).toEqual([
      [2, 3],
      [0, 4],
    ]);
    expect(sequencePadding([[1, 2, 3], [4]], { value: -1, padding: 'pre' })).toEqual([
      [1, 2, 3],
      [-1, -1, 4],
    ]);
  });
  it('pads items that are arrays with an array value and leaves the input alone', () => {
    const seqs = [
      [[1, 0]],
      [
        [0, 1],
        [1, 0],
      ],
    ];
    expect(sequencePadding(seqs, { value: [0, 0] })).toEqual([
      [
        [1, 0],
        [0, 0],
      ],
      [
        [0, 1],
        [1, 0],
      ],
    ]);
    expect(seqs[0]).toHaveLength(1);
  });
  it('rejects unknown options and bad sides', () => {
    expect(() => sequencePadding([[1]], { lenght: 2 } as never)).toThrow(/unknown option 'lenght'/);
    expect(() => sequencePadding([[1]], { padding: 'left' as never })).toThrow(/'post' or 'pre'/);
  });
});

describe('textSplit', () => {
  it('splits on the strongest separator first and merges pieces that fit', () => {
    // 7 + 8 + 5 characters: '。' splits off the first sentence, '！' the other two.
    expect(textSplit('今天天气很好。我们去公园玩吧！然后回家。', 10)).toEqual([
      '今天天气很好。',
      '我们去公园玩吧！',
      '然后回家。',
    ]);
    expect(textSplit('a,b,c,d', 4, [','])).toEqual(['a,b,', 'c,d']);
  });
  it('cuts every maxLen characters when no separator is left, counting code points', () => {
    expect(textSplit('abcdefghij', 4, [])).toEqual(['abcd', 'efgh', 'ij']);
    expect(textSplit('😀😀😀', 2, [])).toEqual(['😀😀', '😀']);
  });
  it('is lossless without strip and drops blank pieces with it', () => {
    const text = 'ab\n\ncd';
    const pieces = textSplit(text, 2, ['\n']);
    expect(pieces).toEqual(['ab', '\n', '\n', 'cd']);
    expect(pieces.join('')).toBe(text);
    expect(textSplit(text, 2, ['\n'], { strip: true })).toEqual(['ab', 'cd']);
  });
  it('keeps a short text whole and checks its arguments', () => {
    expect(textSplit('short', 10)).toEqual(['short']);
    expect(() => textSplit('x', 0)).toThrow(/maxLen/);
  });
});

describe('DataGenerator', () => {
  const ten = Array.from({ length: 10 }, (_, i) => i);

  it('counts steps and keeps the order without shuffling', () => {
    const g = new DataGenerator(ten, { batchSize: 3, shuffle: false });
    expect(g.steps).toBe(4);
    expect([...g.batches(0)]).toEqual([[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]);
    const d = new DataGenerator(ten, { batchSize: 3, shuffle: false, dropRemainder: true });
    expect(d.stepsPerEpoch).toBe(3);
    expect([...d.batches(0)]).toEqual([
      [0, 1, 2],
      [3, 4, 5],
      [6, 7, 8],
    ]);
  });

  it('shuffles reproducibly per (seed, epoch)', () => {
    const a = new DataGenerator(ten, { batchSize: 4, seed: 7 });
    const b = new DataGenerator(ten, { batchSize: 4, seed: 7 });
    const c = new DataGenerator(ten, { batchSize: 4, seed: 8 });
    const e0 = a.indexBatches(0).flat();
    expect([...e0].sort((x, y) => x - y)).toEqual(ten);
    expect(b.indexBatches(0).flat()).toEqual(e0);
    expect(a.indexBatches(1).flat()).not.toEqual(e0);
    expect(c.indexBatches(0).flat()).not.toEqual(e0);
    // Resuming mid-epoch gives the same remaining batches.
    expect([...a.batches(1, 2)]).toEqual([...a.batches(1)].slice(2));
  });

  it('buckets by length: each batch holds consecutive lengths, batches shuffled', () => {
    // Lengths are a permutation of 0..11, so sorted ranks are the lengths themselves.
    const data = [5, 11, 0, 7, 3, 9, 1, 10, 2, 8, 4, 6].map((len) => ({ len }));
    const g = new DataGenerator(data, { batchSize: 3, seed: 1, bucketBy: (x) => x.len });
    const seen: number[][] = [];
    for (let e = 0; e < 4; e++) {
      const lens = [...g.batches(e)].map((b) => b.map((x) => x.len));
      const sorted = lens.map((b) => [...b].sort((x, y) => x - y));
      expect(new Set(sorted.map((b) => b.join()))).toEqual(new Set(['0,1,2', '3,4,5', '6,7,8', '9,10,11']));
      seen.push(sorted.map((b) => b[0]));
    }
    expect(new Set(seen.map((s) => s.join())).size).toBeGreaterThan(1);
  });

  it('keeps a short batch last when bucketing, so dropRemainder drops it', () => {
    const g = new DataGenerator(
      Array.from({ length: 7 }, (_, i) => i),
      { batchSize: 3, seed: 3, bucketBy: (x) => -x, dropRemainder: true },
    );
    const batches = g.indexBatches(0);
    expect(batches).toHaveLength(2);
    expect(batches.every((b) => b.length === 3)).toBe(true);
  });

  it('iterates one epoch at a time (sync, async, forEach) and collates', async () => {
    const g = new DataGenerator(ten, { batchSize: 5, shuffle: false, collate: (xs) => xs.reduce((a, b) => a + b, 0) });
    expect([...g]).toEqual([10, 35]);
    expect(g.epoch).toBe(1);
    const got: number[] = [];
    for await (const s of g) got.push(s);
    await g.forEach((s, i) => {
      got.push(s * 100 + i);
    });
    expect(got).toEqual([10, 35, 1000, 3501]);
    expect(g.epoch).toBe(3);
  });

  it('fails clearly on an empty dataset and on unknown options', () => {
    expect(() => new DataGenerator([], { batchSize: 2 })).toThrow(/dataset is empty/);
    expect(() => new DataGenerator([1], { batchSize: 2, dropRemainder: true })).toThrow(/no full batch/);
    expect(() => new DataGenerator([1], { batchSize: 2, shufle: true } as never)).toThrow(/unknown option 'shufle'/);
    expect(() => new DataGenerator([1], { batchSize: 0 })).toThrow(/batchSize/);
  });
});

describe('toTensorBatch', () => {
  it('infers dtypes (int ids, float masks and fractions) and leaks nothing on error', () => {
    const before = tf.memory().numTensors;
    const b = toTensorBatch({
      input_ids: [
        [1, 2],
        [3, 0],
      ],
      attention_mask: [
        [1, 1],
        [1, 0],
      ],
      labels: [0, 1],
      target: [0.5, 1],
    });
    expect(b.input_ids.dtype).toBe('int32');
    expect(b.attention_mask.dtype).toBe('float32');
    expect(b.labels.dtype).toBe('int32');
    expect(b.target.dtype).toBe('float32');
    expect(b.input_ids.shape).toEqual([2, 2]);
    tf.dispose(Object.values(b));
    expect(() => toTensorBatch({ a: [1, 2], ids: [[1, 2], [3]] })).toThrow(/ragged/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
