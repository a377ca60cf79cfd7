/**
 * The metrics log: one JSON object per line, only ever appended to, so a crash loses at most the line
 * being written. Readers skip a torn last line; after a resume the same step may appear twice, and the
 * later line wins.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';

/** One line of the log (numbers that are not finite are written as null). */
export type MetricsRecord = Record<string, unknown>;

/** An append-only JSONL file. */
export class MetricsLog {
  readonly path: string;
  #fd: number | null;

  constructor(path: string) {
    this.path = path;
    mkdirSync(dirname(path), { recursive: true });
    const torn = existsSync(path) && statSync(path).size > 0 && !endsWithNewline(path);
    this.#fd = openSync(path, 'a');
    // Isolate a line torn by a crash so the next record starts on a line of its own.
    if (torn) writeSync(this.#fd, '\n');
  }

  /** Appends one record as a line. */
  write(record: MetricsRecord): void {
    if (this.#fd === null) throw new Error(`MetricsLog(${this.path}): closed`);
    writeSync(
      this.#fd,
      `${JSON.stringify(record, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))}\n`,
    );
  }

  /** Forces what was written to disk (called at checkpoints). */
  flush(): void {
    if (this.#fd !== null) fsyncSync(this.#fd);
  }

  /** Flushes and closes; safe to call twice. */
  close(): void {
    if (this.#fd === null) return;
    fsyncSync(this.#fd);
    closeSync(this.#fd);
    this.#fd = null;
  }
}

function endsWithNewline(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(1);
    readSync(fd, buf, 0, 1, statSync(path).size - 1);
    return buf[0] === 0x0a;
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads a metrics log: every parseable line in order, torn or corrupt lines skipped. With
 * `latestPerStep`, only step records (`event: 'step'`) are returned, deduplicated keeping the
 * last one written for each step, and returned sorted by step.
 */
export function readMetricsLog(path: string, options: { latestPerStep?: boolean } = {}): MetricsRecord[] {
  const records: MetricsRecord[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      const r = JSON.parse(line) as unknown;
      if (r !== null && typeof r === 'object' && !Array.isArray(r)) records.push(r as MetricsRecord);
    } catch {
      // A line torn by a crash.
    }
  }
  if (!options.latestPerStep) return records;
  const byStep = new Map<number, MetricsRecord>();
  for (const r of records) if (r.event === 'step' && typeof r.step === 'number') byStep.set(r.step, r);
  return [...byStep.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r);
}
