/**
 * Timing for the benchmarks: medians of repeated runs after warm-up, with the process CPU time next to
 * the wall time (on a shared machine wall/CPU shows contention) and the load average at the time.
 */
import os from 'node:os';

/** Median of `xs` (mean of the two middle values for an even count); NaN for an empty list. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** The 1-minute load average, rounded to two decimals. */
export function loadAverage(): number {
  return Math.round(os.loadavg()[0] * 100) / 100;
}

/** What {@link measure} returns. All times in seconds. */
export interface Timing {
  /** Wall seconds of each timed run (warm-up runs excluded). */
  samples: number[];
  /** Median of `samples`. */
  median: number;
  /** Median process CPU seconds (user + system, all threads) per run. */
  cpuMedian: number;
  warmup: number;
  /** 1-minute load average before the first and after the last timed run. */
  loadBefore: number;
  loadAfter: number;
}

/** Options of {@link measure}. */
export interface MeasureOptions {
  warmup?: number;
  reps?: number;
}

/** Runs `fn` `warmup` times untimed, then `reps` times timed; returns the medians. */
export async function measure(fn: () => unknown, options: MeasureOptions = {}): Promise<Timing> {
  const warmup = options.warmup ?? 1;
  const reps = Math.max(1, options.reps ?? 5);
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  const cpu: number[] = [];
  const loadBefore = loadAverage();
  for (let i = 0; i < reps; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    samples.push((performance.now() - t0) / 1000);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e6);
  }
  return { samples, median: median(samples), cpuMedian: median(cpu), warmup, loadBefore, loadAfter: loadAverage() };
}

/** Options of {@link waitForQuiet}. */
export interface QuietOptions {
  /** Wait until the 1-minute load average is below this. Default 1.5. */
  maxLoad?: number;
  /** Give up after this many seconds (then run anyway). Default 600. */
  maxWaitSeconds?: number;
  pollSeconds?: number;
  log?: (line: string) => void;
}

/**
 * Polls the load average until it drops below `maxLoad` or the wait runs out; returns the load at the
 * end and whether it was quiet. Timings taken on a busy machine are recorded with their load, not hidden.
 */
export async function waitForQuiet(
  options: QuietOptions = {},
): Promise<{ load: number; quiet: boolean; waitedSeconds: number }> {
  const maxLoad = options.maxLoad ?? 1.5;
  const maxWait = options.maxWaitSeconds ?? 600;
  const poll = options.pollSeconds ?? 15;
  const t0 = performance.now();
  let load = loadAverage();
  let said = false;
  while (load >= maxLoad && (performance.now() - t0) / 1000 < maxWait) {
    if (!said) options.log?.(`load average ${load} >= ${maxLoad}: waiting up to ${maxWait} s for a quieter machine`);
    said = true;
    await new Promise((r) => setTimeout(r, poll * 1000));
    load = loadAverage();
  }
  return { load, quiet: load < maxLoad, waitedSeconds: Math.round((performance.now() - t0) / 1000) };
}
