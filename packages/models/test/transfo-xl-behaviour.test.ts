// Transformer-XL behaviour beyond the fixture: recurrence equivalence for the options the fixture does
// not cover (pre_lnorm, shared biases, clamp_len, same_length, cutoffs/div_val), the relative shift
// and masks against their definitions, flat memory use over many segments, gradients stopping at
// memories, mem_len 0, and clear errors on bad input.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Bert4tfjsError, relShift, xlAttentionMask } from '@bert4tfjs/core';
import { buildTransformerModel, getFamily, type TransformerModel } from '../src/index.ts';
import { transfoXlStepOf } from '../src/transfo-xl/step.ts';
import { lmBatches, trainLmStep } from '../src/transfo-xl/train.ts';

const BASE = {
  model_type: 'transfo-xl',
  vocab_size: 40,
  d_model: 16,
  d_embed: 16,
  n_head: 2,
  d_head: 8,
  d_inner: 32,
  n_layer: 2,
  mem_len: 6,
  dropout: 0,
  dropatt: 0,
  clamp_len: -1,
  same_length: false,
  pre_lnorm: false,
  untie_r: true,
  cutoffs: [],
  div_val: 1,
};

function build(overrides: Record<string, unknown> = {}): TransformerModel {
  return buildTransformerModel({ config: { ...BASE, ...overrides } });
}

/** Deterministic pseudo-random ids. */
function ids(batch: number, len: number, seed: number, vocab = BASE.vocab_size): number[][] {
  let s = seed;
  const next = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s;
  };
  return Array.from({ length: batch }, () => Array.from({ length: len }, () => next() % vocab));
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  expect(a.shape).toEqual(b.shape);
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

function expectBert4tfjsError(fn: () => unknown, pattern: RegExp): void {
  let caught: unknown = null;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(Bert4tfjsError);
  expect((caught as Error).message).toMatch(pattern);
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('relative shift and masks', () => {
  it('relShift puts the score of distance i + mlen - j at key j (visible keys)', () => {
    const lq = 3,
      lk = 5,
      mlen = lk - lq;
    const x = tf.tensor(
      Array.from({ length: lq * lk }, (_, n) => n),
      [1, lq, lk],
    );
    const y = relShift(x).arraySync() as number[][][];
    const xs = x.arraySync() as number[][][];
    for (let i = 0; i < lq; i++) {
      for (let j = 0; j <= i + mlen; j++) {
        // Column d of x holds distance lk - 1 - d, so distance i + mlen - j sits at d = lk - 1 - (i + mlen - j).
        expect(y[0][i][j]).toBe(xs[0][i][lk - 1 - (i + mlen - j)]);
      }
    }
    tf.dispose(x);
  });

  it('the mask is triu(1 + mlen), plus tril(-shift) with same_length', () => {
    const lq = 4,
      lk = 9,
      memLen = 6,
      mlen = lk - lq;
    const plain = xlAttentionMask(lq, lk).arraySync();
    const same = xlAttentionMask(lq, lk, true, memLen).arraySync();
    const maskLen = lk - memLen;
    const shift = maskLen > 0 ? lq - maskLen : lq;
    for (let i = 0; i < lq; i++)
      for (let j = 0; j < lk; j++) {
        const triu = j - i >= 1 + mlen;
        const tril = j - i <= -shift;
        expect(plain[i][j]).toBe(triu ? 0 : 1);
        expect(same[i][j]).toBe(triu || tril ? 0 : 1);
      }
  });
});

describe('segment recurrence equals one long segment', () => {
  // step(s1, M0) with mem_len >= |M0| + |s1| keeps all of (M0 ++ s1) as memory; then step(s2, that)
  // must equal the s2 rows of one step over (s1 ++ s2) after M0, for every option.
  const variants: Array<[string, Record<string, unknown>]> = [
    ['post-LN, untied biases', {}],
    ['pre-LN, shared biases, clamp_len 3', { pre_lnorm: true, untie_r: false, clamp_len: 3 }],
    ['cutoffs [10, 25], div_val 2', { cutoffs: [10, 25], div_val: 2, d_embed: 16 }],
    ['cutoffs [10], div_val 1, d_embed 8 (projections)', { cutoffs: [10], d_embed: 8 }],
  ];
  for (const [label, overrides] of variants) {
    it(label, () => {
      const L = 4;
      const built = build({ ...overrides, mem_len: 2 * L });
      const step = transfoXlStepOf(built);
      const seg = ids(2, 2 * L, 7);
      const s1 = seg.map((r) => r.slice(0, L));
      const s2 = seg.map((r) => r.slice(L));
      const m0 = [tf.randomNormal([2, L, 16], 0, 1, 'float32', 1), tf.randomNormal([2, L, 16], 0, 1, 'float32', 2)];
      const a = step(s1, m0);
      expect(a.mems.map((m) => m.shape)).toEqual([
        [2, 2 * L, 16],
        [2, 2 * L, 16],
      ]);
      const b = step(s2, a.mems);
      const whole = step(seg, m0);
      const tail = (t: tf.Tensor) => tf.slice(t, [0, L, 0], [2, L, t.shape[2] as number]);
      const [hTail, lTail] = [tail(whole.hidden), tail(whole.logits!)];
      expect(maxAbsDiff(b.hidden, hTail)).toBeLessThan(1e-5);
      expect(maxAbsDiff(b.logits!, lTail)).toBeLessThan(1e-5);
      for (let i = 0; i < 2; i++) expect(maxAbsDiff(b.mems[i], whole.mems[i])).toBeLessThan(1e-5);
      // The output distribution is a distribution (adaptive softmax log-probs included).
      const sums = tf.tidy(() => tf.sum(tf.softmax(b.logits!), -1));
      expect(maxAbsDiff(sums, tf.onesLike(sums))).toBeLessThan(1e-5);
      if ((overrides.cutoffs as number[] | undefined)?.length) {
        // With cutoffs the logits ARE log-probabilities: exp sums to 1.
        const expSums = tf.tidy(() => tf.sum(tf.exp(b.logits!), -1));
        expect(maxAbsDiff(expSums, tf.onesLike(expSums))).toBeLessThan(1e-5);
        expSums.dispose();
      }
      tf.dispose([
        ...m0,
        a.hidden,
        a.logits!,
        ...a.mems,
        b.hidden,
        b.logits!,
        ...b.mems,
        whole.hidden,
        whole.logits!,
        ...whole.mems,
        hTail,
        lTail,
        sums,
      ]);
      built.model.dispose();
    });
  }

  it('same_length hides old keys: the first query of a long segment ignores the oldest memory', () => {
    const built = build({ same_length: true, mem_len: 4 });
    const step = transfoXlStepOf(built);
    const seg = ids(1, 4, 3);
    const m = [tf.randomNormal([1, 4, 16], 0, 1, 'float32', 5), tf.randomNormal([1, 4, 16], 0, 1, 'float32', 6)];
    // Change memory position 0 only: with same_length (klen 8, mem_len 4, shift 0) query 0 sees keys 1..4,
    // so its output must not change; the last query (sees keys 4..7) is unaffected too.
    const m2 = m.map((t) =>
      tf.tidy(() => tf.concat([tf.add(tf.slice(t, [0, 0, 0], [1, 1, 16]), 5), tf.slice(t, [0, 1, 0], [1, 3, 16])], 1)),
    );
    const r1 = step(seg, m);
    const r2 = step(seg, m2);
    expect(maxAbsDiff(r1.hidden, r2.hidden)).toBeLessThan(1e-6);
    const plain = transfoXlStepOf(build({ same_length: false, mem_len: 4 }));
    tf.dispose([r1.hidden, r1.logits!, ...r1.mems, r2.hidden, r2.logits!, ...r2.mems]);
    // Without same_length the model is a different random one; check sensitivity on it instead.
    const p1 = plain(seg, m);
    const p2 = plain(seg, m2);
    expect(maxAbsDiff(p1.hidden, p2.hidden)).toBeGreaterThan(1e-4);
    tf.dispose([...m, ...m2, p1.hidden, p1.logits!, ...p1.mems, p2.hidden, p2.logits!, ...p2.mems]);
  });
});

describe('memory and gradients', () => {
  it('memory use is flat over 20 segments (numTensors and numBytes)', () => {
    const built = build();
    const step = transfoXlStepOf(built);
    let mems: tf.Tensor[] | null = null;
    const counts: Array<[number, number]> = [];
    for (let k = 0; k < 20; k++) {
      const r = step(ids(2, 5, k + 1), mems);
      if (mems) tf.dispose(mems);
      mems = r.mems;
      tf.dispose([r.hidden, r.logits!]);
      const mem = tf.memory();
      counts.push([mem.numTensors, mem.numBytes]);
    }
    const after = counts.slice(2);
    expect(new Set(after.map((c) => c[0])).size).toBe(1);
    expect(new Set(after.map((c) => c[1])).size).toBe(1);
    tf.dispose(mems!);
  });

  it('training over a stream: memory flat after warm-up, loss goes down', () => {
    const built = build({ vocab_size: 12 });
    const step = transfoXlStepOf(built);
    const stream = Array.from({ length: 400 }, (_, i) => [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11][i % 11]);
    const batches = lmBatches(stream, 2, 6);
    const opt = tf.train.adam(0.01);
    let mems: tf.Tensor[] | null = null;
    const counts: number[] = [];
    const losses: number[] = [];
    for (let k = 0; k < 16; k++) {
      const r = trainLmStep(step, built.model, opt, batches[k], mems, { clipNorm: 1 });
      if (mems) tf.dispose(mems);
      mems = r.mems;
      losses.push(r.loss);
      counts.push(tf.memory().numTensors);
    }
    expect(new Set(counts.slice(2)).size).toBe(1);
    expect(losses[15]).toBeLessThan(losses[0] * 0.8);
    tf.dispose(mems!);
    opt.dispose();
  });

  it('no gradient flows from new memories into old ones', () => {
    const built = build();
    const step = transfoXlStepOf(built);
    const seg = ids(1, 3, 9);
    const m1 = tf.randomNormal([1, 6, 16], 0, 1, 'float32', 11);
    const m0 = tf.randomNormal([1, 6, 16], 0, 1, 'float32', 12);
    const gMem = tf.grad((m: tf.Tensor) =>
      tf.tidy(() => {
        const r = step(seg, [m0, m]);
        return tf.add(tf.sum(r.mems[0]), tf.sum(r.mems[1]));
      }),
    )(m1);
    expect(tf.tidy(() => tf.max(tf.abs(gMem)).dataSync()[0])).toBe(0);
    // ...while the hidden states do depend on the memory (a weighted sum: a plain sum of a
    // LayerNorm output with unit gains is constant).
    const w = tf.randomNormal([1, 3, 16], 0, 1, 'float32', 13);
    const gHid = tf.grad((m: tf.Tensor) => tf.tidy(() => tf.sum(tf.mul(step(seg, [m0, m]).hidden, w))))(m1);
    expect(tf.tidy(() => tf.max(tf.abs(gHid)).dataSync()[0])).toBeGreaterThan(1e-4);
    tf.dispose([m0, m1, w, gMem, gHid]);
  });
});

describe('mem_len 0 and bad input', () => {
  it('mem_len 0 builds a memory-less model; passing memories to it is an error', () => {
    const built = build({ mem_len: 0 });
    expect(built.inputNames).toEqual(['input_ids']);
    const step = transfoXlStepOf(built);
    const r = step(ids(2, 4, 1));
    expect(r.mems).toEqual([]);
    expect(r.hidden.shape).toEqual([2, 4, 16]);
    const again = step(ids(2, 4, 2), r.mems);
    const m = tf.zeros([2, 3, 16]);
    expectBert4tfjsError(() => step(ids(2, 4, 1), [m, m]), /mem_len 0/);
    tf.dispose([r.hidden, r.logits!, again.hidden, again.logits!, m]);
  });

  it('memories of the wrong shape, count or batch are clear errors', () => {
    const step = transfoXlStepOf(build());
    const x = ids(2, 4, 1);
    const good = () => tf.zeros([2, 6, 16]);
    const cases: Array<[tf.Tensor[], RegExp]> = [
      [[good()], /expected 2 memory tensors/],
      [[good(), tf.zeros([3, 6, 16])], /memory 1 .*\[3,6,16\].*batch 2/],
      [[good(), tf.zeros([2, 6, 8])], /memory 1 .*expected float32 \[2, M, 16\]/],
      [[tf.zeros([2, 7, 16]), tf.zeros([2, 7, 16])], /M <= mem_len 6/],
      [[tf.zeros([2, 4, 16]), tf.zeros([2, 5, 16])], /same M for every layer/],
    ];
    const before = tf.memory().numTensors;
    for (const [mems, re] of cases) {
      expectBert4tfjsError(() => step(x, mems), re);
      tf.dispose(mems);
    }
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before);
  });

  it('bad token ids and segments of different batch sizes are clear errors', () => {
    const built = build();
    const step = transfoXlStepOf(built);
    expectBert4tfjsError(() => step([[1, 2], [3]]), /row 1 has 1 ids/);
    expectBert4tfjsError(() => step([[1, 40]]), /ids\[0\]\[1\] = 40 .*\[0, 40\)/);
    expectBert4tfjsError(() => step([]), /non-empty/);
    const f = tf.tensor2d([[1, 2]], [1, 2], 'float32');
    expectBert4tfjsError(() => step(f), /int32 tensor/);
    f.dispose();
    const forward = getFamily('transfo-xl').forward!;
    const before = tf.memory().numTensors;
    expectBert4tfjsError(
      () => forward(built, { segments: [ids(2, 3, 1), ids(3, 3, 2)] }),
      /segment 2 has batch 3, segment 1 has 2/,
    );
    expectBert4tfjsError(() => forward(built, { segments: [ids(2, 3, 1), 'x'] }), /segment 2 is not/);
    expectBert4tfjsError(() => forward(built, { texts: ['a'] }), /"segments"/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('bad configs name the key', () => {
    expectBert4tfjsError(() => build({ attn_type: 1 }), /attn_type 1 is not supported/);
    expectBert4tfjsError(() => build({ cutoffs: [30, 20] }), /cutoffs \[30,20\] must increase/);
    expectBert4tfjsError(() => build({ mem_len: -1 }), /'mem_len' must be a non-negative integer/);
    expectBert4tfjsError(() => build({ same_length: 'yes' }), /'same_length' must be true or false/);
  });
});
