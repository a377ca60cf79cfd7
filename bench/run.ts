/**
 * `pnpm bench`: every benchmark side by side on a BERT-base-shaped model with random weights: tfjs
 * forward (fixed 8 x 128 and real variable-length sentences), model load, peak RSS, tokenizer, training
 * step, checkpoint conversion, Performer vs softmax, ONNX export with @xenova/transformers as the
 * yardstick, and the wasm ablation (which change gave what, bench/ablation.ts). Prints a table and writes bench/results/latest.json.
 *
 *   pnpm bench [--quick] [--sections forward,tokenizer,...] [--threads 2] [--out file.json]
 *              [--in-process] [--wait-quiet [seconds]]
 *
 * Full runs put each section in its own process (a clean wasm heap, and a peak RSS that belongs to that
 * section alone); `--quick` runs a tiny model in one process as a smoke test (well under a minute).
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runChildForResult } from './lib/child.ts';
import { REPO_ROOT } from './lib/data.ts';
import { formatTable, machineInfo, writeReport, type BenchReport } from './lib/report.ts';
import { buildRows } from './lib/rows.ts';
import { runSection, SECTION_IDS, type SectionId, type SectionOutcome } from './lib/sections.ts';
import { loadAverage, waitForQuiet } from './lib/stats.ts';

/** Parsed command line. */
interface Args {
  quick: boolean;
  sections: SectionId[];
  threads: number;
  out: string;
  inProcess: boolean;
  waitQuiet: number;
  child: SectionId | null;
  resultFile: string | null;
}

function parseArgs(argv: string[]): Args {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const quick = argv.includes('--quick');
  const list = value('sections')
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean) ?? [...SECTION_IDS];
  const unknown = list.filter((s) => !(SECTION_IDS as readonly string[]).includes(s));
  if (unknown.length)
    throw new Error(`unknown section(s) ${unknown.join(', ')}; expected some of ${SECTION_IDS.join(', ')}`);
  const threads = Number(value('threads') ?? 2);
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`--threads must be a whole number >= 1`);
  const wq = argv.indexOf('--wait-quiet');
  const waitQuiet = wq < 0 ? 0 : Number(/^\d+$/.test(argv[wq + 1] ?? '') ? argv[wq + 1] : 600);
  const child = value('child') as SectionId | undefined;
  return {
    quick,
    sections: list as SectionId[],
    threads,
    inProcess: quick || argv.includes('--in-process'),
    waitQuiet,
    out: resolve(
      value('out') ??
        (quick ? join(tmpdir(), 'bert4tfjs-bench-quick.json') : join(REPO_ROOT, 'bench', 'results', 'latest.json')),
    ),
    child: child ?? null,
    resultFile: value('result') ?? null,
  };
}

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** Runs one section in a child process (this file with --child); a crash or timeout becomes an error outcome. */
function runIsolated(id: SectionId, args: Args): SectionOutcome {
  const t0 = performance.now();
  const childArgs = ['--child', id, '--threads', String(args.threads), ...(args.quick ? ['--quick'] : [])];
  const r = runChildForResult<SectionOutcome>(fileURLToPath(import.meta.url), childArgs, 12 * 60_000);
  if ('result' in r) return r.result;
  return {
    status: 'error',
    seconds: Math.round((performance.now() - t0) / 100) / 10,
    error: `section process ended without a result (${r.error})`,
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const ctx = { quick: args.quick, threads: args.threads, log };
  if (args.child) {
    const outcome = await runSection(args.child, ctx);
    writeFileSync(args.resultFile!, JSON.stringify(outcome));
    // tfjs worker threads and onnxruntime may keep the event loop alive.
    process.exit(0);
  }
  if (args.waitQuiet > 0) {
    const q = await waitForQuiet({ maxWaitSeconds: args.waitQuiet, log });
    log(
      `load average ${q.load} after waiting ${q.waitedSeconds} s${q.quiet ? '' : ' (still busy: results will be noisy)'}`,
    );
  }
  const startedAt = new Date();
  const load = { start: loadAverage(), end: 0, max: loadAverage() };
  const sampler = setInterval(() => {
    load.max = Math.max(load.max, loadAverage());
  }, 5000);
  sampler.unref();
  const outcomes: Partial<Record<SectionId, SectionOutcome>> = {};
  for (const id of args.sections) {
    log(`== ${id} ${args.inProcess ? '' : '(own process) '}==`);
    outcomes[id] = args.inProcess ? await runSection(id, ctx) : runIsolated(id, args);
    const o = outcomes[id]!;
    log(
      `== ${id}: ${o.status}${o.status === 'not-available' ? ` (${o.reason})` : o.status === 'error' ? ` (${o.error})` : ''}${'seconds' in o ? `, ${o.seconds} s` : ''}`,
    );
    load.max = Math.max(load.max, loadAverage());
  }
  clearInterval(sampler);
  load.end = loadAverage();
  const finishedAt = new Date();
  const rows = buildRows(outcomes);
  const report: BenchReport = {
    schema: 'bert4tfjs-bench/1',
    quick: args.quick,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    wallSeconds: Math.round((finishedAt.getTime() - startedAt.getTime()) / 1000),
    machine: machineInfo(),
    load,
    rows,
    sections: Object.fromEntries(Object.entries(outcomes)),
  };
  writeReport(args.out, report);
  console.log(formatTable(rows));
  const m = report.machine;
  console.log(
    `\n${args.quick ? 'quick run (tiny model, 1 repetition): not comparable numbers. ' : ''}` +
      `${m.cpus} x ${m.cpuModel} (${m.simd ?? '?'}), ${m.node}; ` +
      `load average ${load.start} at start, ${load.end} at end, max ${load.max}; ${report.wallSeconds} s. JSON: ${args.out}`,
  );
  // Exit explicitly: wasm worker threads would otherwise keep the process alive.
  process.exit(0);
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) {
  main().catch((err: unknown) => {
    log(`bench: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
