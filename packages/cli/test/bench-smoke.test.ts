// Smoke test of the benchmark library: the forward and tokenizer benches on a tiny model, and the report
// built from their results (rows, table, JSON) with the shape `pnpm bench` relies on.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runForwardBench, type ForwardBenchResult } from '../../../bench/forward.ts';
import { ABLATION_STEPS, runAblationBench } from '../../../bench/ablation.ts';
import { runTokenizerBench, type TokenizerBenchResult } from '../../../bench/tokenizer.ts';
import { formatTable, machineInfo, writeReport, type BenchReport } from '../../../bench/lib/report.ts';
import { buildRows, numAt } from '../../../bench/lib/rows.ts';
import { loadExternal } from '../../../bench/lib/sections.ts';
import { median, measure } from '../../../bench/lib/stats.ts';

const dir = mkdtempSync(join(tmpdir(), 'b4t-bench-smoke-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bench library (quick, tiny model)', () => {
  let forward: ForwardBenchResult;
  let tokenizer: TokenizerBenchResult;

  it('median and measure', async () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    let calls = 0;
    const t = await measure(
      () => {
        calls++;
      },
      { warmup: 2, reps: 3 },
    );
    expect(calls).toBe(5);
    expect(t.samples).toHaveLength(3);
    expect(t.median).toBeGreaterThanOrEqual(0);
  });

  it('forward bench measures load, fixed and variable workloads without leaking tensors', async () => {
    forward = await runForwardBench({
      shape: { layers: 1, hidden: 32, heads: 2, intermediate: 64, vocab: 21128 },
      batch: 2,
      seq: 16,
      reps: 1,
      warmup: 0,
      loadReps: 1,
      sentences: 24,
      embedBatch: 8,
      threads: 1,
    });
    expect(forward.fixed.tokensPerSecond).toBeGreaterThan(0);
    expect(forward.fixed.samples).toHaveLength(1);
    expect(forward.variable.sentences).toBe(24);
    expect(forward.variable.paddedTokens).toBeGreaterThanOrEqual(forward.variable.realTokens);
    expect(forward.load.median).toBeGreaterThan(0);
    expect(forward.peakRssBytes).toBeGreaterThan(0);
    expect(forward.leakedTensors).toBe(0);
    // The hand-written comparison forward computes what the model computes.
    expect(forward.handwritten!.maxAbsDiff).toBeLessThan(1e-4);
    expect(forward.handwritten!.tokensPerSecond).toBeGreaterThan(0);
  });

  it('ablation: every step (the 1-thread ones in a child process) computes what the library model computes', async () => {
    const r = await runAblationBench({ quick: true, threads: 1 });
    expect(r.steps.map((s) => s.id)).toEqual(ABLATION_STEPS.map((s) => s.id));
    for (const step of r.steps) {
      expect(step.maxAbsDiff, step.id).toBeLessThan(1e-4);
      expect(step.seconds, step.id).toBeGreaterThan(0);
    }
  }, 60_000);

  it('tokenizer bench times ours and xenova on the same texts', async () => {
    tokenizer = await runTokenizerBench({ sentences: 40, reps: 1 });
    expect(tokenizer.sentences).toBe(40);
    expect(tokenizer.ours.textsPerSecond).toBeGreaterThan(0);
    expect(tokenizer.xenova?.textsPerSecond ?? 0).toBeGreaterThan(0);
    expect(tokenizer.identical).toBe(40);
  });

  it('the report has a row per measure, ratios per pair, and missing benches say so', async () => {
    expect(await loadExternal('nope')).toMatch(/no external bench/);
    const onnx = {
      fixed: { ours: { tokensPerSecond: 3000 }, xenova: { tokensPerSecond: 1500 } },
      variable: { ours: { tokensPerSecond: 900 }, xenova: { tokensPerSecond: 450 }, sentences: 10 },
    };
    const rows = buildRows({
      forward: { status: 'ok', seconds: 1, result: forward },
      tokenizer: { status: 'ok', seconds: 1, result: tokenizer },
      training: { status: 'not-available', reason: 'bench/training.ts is not in this checkout' },
      convert: { status: 'error', seconds: 1, error: 'boom' },
      onnx: { status: 'ok', seconds: 1, result: onnx },
      ablation: {
        status: 'ok',
        seconds: 1,
        result: {
          shape: { layers: 1, hidden: 768 },
          batch: 8,
          seq: 128,
          steps: [
            { id: 'defaults', label: 'a', threads: 1, seconds: 8, gflops: 2, maxAbsDiff: 1e-6 },
            { id: 'threads', label: 'b', threads: 2, seconds: 2, gflops: 8, maxAbsDiff: 1e-6 },
            { id: 'library', label: 'c', threads: 2, seconds: 0.5, gflops: 32, maxAbsDiff: 0 },
          ],
        },
      },
    });
    const ids = rows.map((r) => r.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'forward.fixed',
        'forward.variable',
        'forward.load',
        'forward.peakRss',
        'tokenizer.texts',
        'training.missing',
        'convert.missing',
        'onnx.fixed',
        'onnx.variable',
      ]),
    );
    const fixed = rows.find((r) => r.id === 'forward.fixed')!;
    expect(fixed.reference?.measured).toBe(true);
    // Compared with the faster onnxruntime engine of the run (ours here: 3000 tokens/s).
    expect(fixed.ratio).toBeCloseTo(forward.fixed.tokensPerSecond / 3000, 6);
    expect(rows.find((r) => r.id === 'forward.handwritten')!.ratio).toBeCloseTo(
      forward.handwritten!.tokensPerSecond / 3000,
      6,
    );
    const steps = rows.filter((r) => r.section === 'ablation');
    expect(steps.map((r) => r.id)).toEqual(['ablation.defaults', 'ablation.threads', 'ablation.library']);
    expect(steps[0].ratio).toBeNull();
    expect(steps[1].ratio).toBeCloseTo(4, 6);
    expect(steps[2].ratio).toBeCloseTo(4, 6);
    expect(steps[2].note).toContain('16.0x the first step');
    expect(rows.find((r) => r.id === 'onnx.fixed')!.ratio).toBeCloseTo(2, 6);
    expect(rows.find((r) => r.id === 'training.missing')!.status).toBe('not-available');
    expect(rows.find((r) => r.id === 'convert.missing')!.status).toBe('error');
    for (const r of rows)
      expect(Object.keys(r)).toEqual(expect.arrayContaining(['id', 'section', 'label', 'status', 'value', 'unit']));

    const table = formatTable(rows);
    expect(table.split('\n')).toHaveLength(rows.length + 2);
    expect(table).toContain('not available');

    const path = join(dir, 'latest.json');
    const report: BenchReport = {
      schema: 'bert4tfjs-bench/1',
      quick: true,
      startedAt: new Date().toISOString(),
      finishedAt: new Date().toISOString(),
      wallSeconds: 1,
      machine: machineInfo(),
      load: { start: 0, end: 0, max: 0 },
      rows,
      sections: { forward },
    };
    writeReport(path, report);
    const back = JSON.parse(readFileSync(path, 'utf8')) as BenchReport;
    expect(back.schema).toBe('bert4tfjs-bench/1');
    expect(back.rows).toHaveLength(rows.length);
    expect(numAt(back.sections.forward, 'fixed.tokensPerSecond')).toBeCloseTo(forward.fixed.tokensPerSecond, 6);
  });
});
