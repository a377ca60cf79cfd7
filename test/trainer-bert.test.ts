// The trainer on a real (tiny) BERT from @bert4tfjs/models: an interrupted and resumed run follows the
// uninterrupted one exactly, and micro-batches chosen by the memory planner train like whole batches.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Trainer, adam, listCheckpoints, perExampleEstimate, readMetricsLog } from '@bert4tfjs/core';
import {
  buildTinyBert,
  collate,
  makeExamples,
  makeGenerator,
  nspLoss,
  weightValues,
} from './fixtures-trainer/tiny-bert-task.ts';

const root = mkdtempSync(join(tmpdir(), 'trainer-bert-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const examples = makeExamples(16);

function maxDiff(a: number[][], b: number[][]): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  a.forEach((row, i) =>
    row.forEach((x, j) => {
      m = Math.max(m, Math.abs(x - b[i][j]));
    }),
  );
  return m;
}

describe('Trainer on a tiny BERT', () => {
  it('continues an interrupted run on the same loss curve and weights', async () => {
    const run = async (dir: string | undefined, opts: { maxSteps?: number; resume?: boolean }) => {
      const built = buildTinyBert();
      const trainer = new Trainer({
        model: built.model,
        loss: nspLoss,
        optimizer: adam({ learningRate: 1e-3 }),
        progress: false,
      });
      const r = await trainer.fit(makeGenerator(examples, 4), {
        epochs: 2,
        checkpointDir: dir,
        checkpointEvery: dir ? 1 : undefined,
        ...opts,
      });
      const w = weightValues(built);
      trainer.optimizer.dispose();
      built.model.dispose();
      return { r, w };
    };
    const full = await run(undefined, {});
    expect(full.r.step).toBe(8);
    // Training moved the loss: the curve is not flat, so equality below is not vacuous.
    expect(full.r.history[7].loss).not.toBe(full.r.history[0].loss);
    const dir = join(root, 'resume');
    const first = await run(dir, { maxSteps: 3 });
    expect(first.r.step).toBe(3);
    const rest = await run(dir, { resume: true });
    expect(rest.r.resumedFrom).toBe(3);
    expect(rest.r.history.map((h) => h.loss)).toEqual(full.r.history.slice(3).map((h) => h.loss));
    expect(maxDiff(rest.w, full.w)).toBe(0);
    const log = readMetricsLog(join(dir, 'metrics.jsonl'), { latestPerStep: true });
    expect(log.map((r) => r.loss)).toEqual(full.r.history.map((h) => h.loss));
    expect(listCheckpoints(dir).map((c) => c.step)).toEqual([6, 7, 8]);
  });

  it('splits batches to fit a memory budget and trains like whole batches', async () => {
    const batchSize = 8;
    const run = async (memoryBudget: number | undefined, microBatch: 'auto' | 'off') => {
      const built = buildTinyBert();
      const trainer = new Trainer({
        model: built.model,
        loss: nspLoss,
        optimizer: adam({ learningRate: 1e-3 }),
        progress: false,
        memoryBudget,
        microBatch,
      });
      const r = await trainer.fit(makeGenerator(examples, batchSize), { epochs: 1 });
      const w = weightValues(built);
      trainer.optimizer.dispose();
      built.model.dispose();
      return { r, w };
    };
    // Measure what one example costs at the longest length, then allow about 3.5 examples' activations.
    const probeModel = buildTinyBert();
    const probe = new Trainer({
      model: probeModel.model,
      loss: nspLoss,
      optimizer: adam(),
      progress: false,
      memoryBudget: 1e12,
    });
    const longest = examples
      .slice()
      .sort((a, b) => b.ids.length - a.ids.length)
      .slice(0, batchSize);
    const batch = collate(longest);
    const seqLen = batch.input_ids.shape[1] as number;
    await probe.planner.plan(batch, batchSize, seqLen, false);
    const per = perExampleEstimate(probe.planner.samples, seqLen);
    const budget = probe.planner.fixedBytes(false) + probe.planner.trainableBytes + 3.5 * per;
    Object.values(batch).forEach((t) => t.dispose());
    probeModel.model.dispose();
    expect(per).toBeGreaterThan(0);

    const whole = await run(undefined, 'off');
    const split = await run(budget, 'auto');
    expect(whole.r.history.every((h) => h.microBatches === 1)).toBe(true);
    // The longest batch needs 8 x per > budget room, so it must be split (into micro-batches of <= 3).
    expect(Math.max(...split.r.history.map((h) => h.microBatches))).toBeGreaterThanOrEqual(3);
    split.r.history.forEach((h, i) => expect(h.loss).toBeCloseTo(whole.r.history[i].loss, 4));
    expect(maxDiff(split.w, whole.w)).toBeLessThan(1e-4);
    // A budget below the fixed part fails before any step, saying why.
    await expect(run(budget / 10, 'auto')).rejects.toThrow(/memory budget/);
  });
});
