/**
 * The benchmark report: one row per measured quantity, each with its comparison partner and the ratio of
 * the pair (computed from the two medians of the same run), printed as a table and written as one JSON
 * file. A section whose bench is missing or failed still gets a row that says so.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname } from 'node:path';

/** Row status: measured, not available (no such bench in this checkout), or failed with an error. */
export type RowStatus = 'ok' | 'not-available' | 'error';

/** One line of the report. */
export interface BenchRow {
  /** Stable key, e.g. `forward.fixed`. */
  id: string;
  section: string;
  /** What was measured, in words. */
  label: string;
  status: RowStatus;
  /** Our number, in `unit`; null when not measured. */
  value: number | null;
  unit: string;
  /** What the row is compared with, if anything. */
  reference?: { label: string; value: number | null; unit?: string; measured: boolean };
  /**
   * value / reference.value when higher is better, reference / value when lower is better
   * (so > 1 always means "we are better"); null without a measured pair.
   */
  ratio?: number | null;
  /** Load average while measuring, and anything else a reader needs. */
  note?: string;
}

/** The JSON file. */
export interface BenchReport {
  schema: 'bert4tfjs-bench/1';
  quick: boolean;
  startedAt: string;
  finishedAt: string;
  wallSeconds: number;
  machine: { cpus: number; cpuModel: string; totalMemoryBytes: number; node: string; platform: string; simd?: string };
  /** Load averages seen at the start, the end, and the highest sampled in between. */
  load: { start: number; end: number; max: number };
  rows: BenchRow[];
  /** Each section's full result object (or its error), by section id. */
  sections: Record<string, unknown>;
}

/**
 * The widest x86 vector extensions the CPU reports (Linux), e.g. 'avx512f avx2 fma'. onnxruntime uses
 * them; wasm SIMD is 128-bit without FMA everywhere, so they set how far apart the two engines can be.
 */
export function simdFeatures(cpuinfo = '/proc/cpuinfo'): string {
  try {
    const flags = new Set((/^flags\s*:(.*)$/m.exec(readFileSync(cpuinfo, 'utf8'))?.[1] ?? '').trim().split(/\s+/));
    return ['avx512f', 'avx2', 'fma', 'sse4_2'].filter((f) => flags.has(f)).join(' ') || 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Machine facts for the report. */
export function machineInfo(): BenchReport['machine'] {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    totalMemoryBytes: os.totalmem(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    simd: simdFeatures(),
  };
}

/** A row for a section that could not run: status and reason in the note. */
export function missingRow(
  id: string,
  section: string,
  label: string,
  status: 'not-available' | 'error',
  reason: string,
): BenchRow {
  return { id, section, label, status, value: null, unit: '', note: reason };
}

/** Ratio of a pair, oriented so that > 1 means we are better; null when either side is missing. */
export function pairRatio(
  ours: number | null | undefined,
  reference: number | null | undefined,
  higherIsBetter: boolean,
): number | null {
  if (
    ours == null ||
    reference == null ||
    !Number.isFinite(ours) ||
    !Number.isFinite(reference) ||
    ours <= 0 ||
    reference <= 0
  )
    return null;
  return higherIsBetter ? ours / reference : reference / ours;
}

/** A number with about three significant digits. */
export function fmt(x: number | null | undefined): string {
  if (x == null || !Number.isFinite(x)) return '-';
  const a = Math.abs(x);
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}

/** The rows as a Markdown table (what the bench prints and the README shows). */
export function formatTable(rows: BenchRow[]): string {
  const head = ['section', 'measure', 'ours', 'compared with', 'ratio', 'notes'];
  const lines = rows.map((r) => {
    const ours =
      r.status === 'ok' ? `${fmt(r.value)} ${r.unit}`.trim() : r.status === 'not-available' ? 'not available' : 'error';
    const ref = r.reference
      ? `${r.reference.label}: ${fmt(r.reference.value)} ${r.reference.unit ?? r.unit}${r.reference.measured ? '' : ' (not measured here)'}`.trim()
      : '';
    const ratio = r.ratio != null ? `${r.ratio.toFixed(2)}x` : '';
    return [r.section, r.label, ours, ref, ratio, r.note ?? ''];
  });
  const escapeCell = (c: string) => c.replace(/\|/g, '\\|');
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...lines.map((l) => `| ${l.map(escapeCell).join(' | ')} |`),
  ].join('\n');
}

/** Writes the report as pretty JSON, creating the directory. */
export function writeReport(path: string, report: BenchReport): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`);
}
