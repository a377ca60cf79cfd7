// Smoke test of the benchmark library: the forward and tokenizer benches on a tiny model, and the report
// built from their results (rows, table, JSON) with the shape `pnpm bench` relies on.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runForwardBench, type ForwardBenchResult } from '../../../bench/forward.ts';
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
    const t = await measure(() => { calls++; }, { warmup: 2, reps: 3 });
    expect(calls).toBe(5);
    expect(t.samples).toHaveLength(3);
    expect(t.median).toBeGreaterThanOrEqual(0);
  });

  it('forward bench measures load, fixed and variable workloads without leaking tensors', async () => {
    forward = await runForwardBench({
      shape: { layers: 1, hidden: 32, heads: 2, intermediate: 64, vocab: 21128 },
      batch: 2, seq: 16, reps: 1, warmup: 0, loadReps: 1, sentences: 24, embedBatch: 8, threads: 1,
    });
    expect(forward.fixed.tokensPerSecond).toBeGreaterThan(0);
    expect(forward.fixed.samples).toHaveLength(1);
    expect(forward.variable.sentences).toBe(24);
    expect(forward.variable.paddedTokens).toBeGreaterThanOrEqual(forward.variable.realTokens);
    expect(forward.load.median).toBeGreaterThan(0);
    expect(forward.peakRssBytes).toBeGreaterThan(0);
    expect(forward.leakedTensors).toBe(0);
  });

  it('tokenizer bench times ours and xenova on the same texts', async () => {
    tokenizer = await runTokenizerBench({ sentences: 40, reps: 1 });
    expect(tokenizer.sentences).toBe(40);
    expect(tokenizer.ours.textsPerSecond).toBeGreaterThan(0);
    expect(tokenizer.xenova?.textsPerSecond ?? 0).toBeGreaterThan(0);
    expect(tokenizer.identical).toBe(40);
  });

  it('the report has a row per measure, ratios per pair, and missing benches say so', async () => {
    expect(await loadExternal('nope')).toMatch(/no external bench/);
    const onnx = { fixed: { ours: { tokensPerSecond: 3000 }, xenova: { tokensPerSecond: 1500 } }, variable: { ours: { tokensPerSecond: 900 }, xenova: { tokensPerSecond: 450 }, sentences: 10 } };
    const rows = buildRows({
      forward: { status: 'ok', seconds: 1, result: forward },
      tokenizer: { status: 'ok', seconds: 1, result: tokenizer },
      training: { status: 'not-available', reason: 'bench/training.ts is not in this checkout' },
      convert: { status: 'error', seconds: 1, error: 'boom' },
      onnx: { status: 'ok', seconds: 1, result: onnx },
    });
    const ids = rows.map((r) => r.id);
    expect(ids).toEqual(expect.arrayContaining(['forward.fixed', 'forward.variable', 'forward.load', 'forward.peakRss', 'tokenizer.texts', 'training.missing', 'convert.missing', 'onnx.fixed', 'onnx.variable']));
    const fixed = rows.find((r) => r.id === 'forward.fixed')!;
    expect(fixed.reference?.measured).toBe(true);
    expect(fixed.ratio).toBeCloseTo(forward.fixed.tokensPerSecond / 1500, 6);
    expect(rows.find((r) => r.id === 'onnx.fixed')!.ratio).toBeCloseTo(2, 6);
    expect(rows.find((r) => r.id === 'training.missing')!.status).toBe('not-available');
    expect(rows.find((r) => r.id === 'convert.missing')!.status).toBe('error');
    for (const r of rows) expect(Object.keys(r)).toEqual(expect.arrayContaining(['id', 'section', 'label', 'status', 'value', 'unit']));

    const table = formatTable(rows);
    expect(table.split('\n')).toHaveLength(rows.length + 2);
    expect(table).toContain('not available');

    const path = join(dir, 'latest.json');
    const report: BenchReport = {
      schema: 'bert4tfjs-bench/1', quick: true, startedAt: new Date().toISOString(), finishedAt: new Date().toISOString(), wallSeconds: 1,
      machine: machineInfo(), load: { start: 0, end: 0, max: 0 }, rows, sections: { forward },
    };
    writeReport(path, report);
    const back = JSON.parse(readFileSync(path, 'utf8')) as BenchReport;
    expect(back.schema).toBe('bert4tfjs-bench/1');
    expect(back.rows).toHaveLength(rows.length);
    expect(numAt(back.sections.forward, 'fixed.tokensPerSecond')).toBeCloseTo(forward.fixed.tokensPerSecond, 6);
  });
});
