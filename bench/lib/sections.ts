/**
 * The sections of `pnpm bench`: how each is run (ours directly; the other benches by their exported
 * run function, loaded only if their file exists in this checkout) with full or quick options.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runForwardBench } from '../forward.ts';
import { runTokenizerBench } from '../tokenizer.ts';
import { runBpeTokenizerBench } from '../tokenizer-bpe.ts';
import { REPO_ROOT } from './data.ts';
import { BERT_BASE, BERT_TINY } from './model.ts';

/** Section ids, in run order. */
export const SECTION_IDS = ['forward', 'ablation', 'tokenizer', 'training', 'convert', 'performer', 'onnx'] as const;
/** One section id. */
export type SectionId = (typeof SECTION_IDS)[number];

/** How a section ended. */
export type SectionOutcome =
  | { status: 'ok'; seconds: number; result: unknown }
  | { status: 'not-available'; reason: string }
  | { status: 'error'; seconds: number; error: string };

/** Options every section gets. */
export interface SectionContext {
  quick: boolean;
  threads: number;
  log: (line: string) => void;
}

/** The benches other modules provide: file name and exported function. */
const EXTERNAL: Record<string, { file: string; fn: string }> = {
  ablation: { file: 'ablation.ts', fn: 'runAblationBench' },
  training: { file: 'training.ts', fn: 'runTrainingBench' },
  convert: { file: 'convert.ts', fn: 'runConvertBench' },
  performer: { file: 'performer.ts', fn: 'runPerformerBench' },
  onnx: { file: 'onnx.ts', fn: 'runOnnxBench' },
};

type RunFn = (options: Record<string, unknown>) => Promise<unknown>;

/** The external bench function for `id`, or a reason why there is none. */
export async function loadExternal(id: string): Promise<RunFn | string> {
  const spec = EXTERNAL[id];
  if (!spec) return `no external bench '${id}'`;
  const path = join(REPO_ROOT, 'bench', spec.file);
  if (!existsSync(path)) return `bench/${spec.file} is not in this checkout`;
  // A computed specifier: the file may be absent, so the type checker must not resolve it.
  const mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  const fn = mod[spec.fn];
  return typeof fn === 'function' ? (fn as RunFn) : `bench/${spec.file} does not export ${spec.fn}()`;
}

/** The options each external bench gets: full runs sized to keep `pnpm bench` under 15 minutes. */
function externalOptions(id: string, ctx: SectionContext): Record<string, unknown> {
  // In --quick everything shares one process and stdout carries the table: keep the others quiet.
  const logBool = !ctx.quick;
  switch (id) {
    case 'training':
      // onnx, tfjs and PyTorch at 12 layers, 8 x 128, plus onnx and PyTorch at 4 x 8 x 128; first steps untimed.
      return ctx.quick
        ? { layers: 1, steps: 2, accumSteps: 2, batchSize: 2, seqLen: 16, accum: 2, threads: ctx.threads, log: logBool }
        : {
            layers: 12,
            steps: 4,
            accumSteps: 3,
            batchSize: 8,
            seqLen: 128,
            accum: 4,
            threads: ctx.threads,
            log: logBool,
          };
    case 'ablation':
      // One BERT-base-wide layer per step; the 1-thread steps run in a child process.
      return ctx.quick ? { quick: true, threads: ctx.threads } : { threads: ctx.threads, log: ctx.log };
    case 'convert':
      return ctx.quick ? { layers: 1, hidden: 64, vocab: 1000, log: logBool } : { log: logBool };
    case 'performer':
      // The long-sequence sweep (to L = 8192) takes many minutes; the central bench runs L = 512, 1024.
      return { quick: true, log: ctx.log };
    case 'onnx':
      return ctx.quick
        ? { layers: 1, hidden: 64, sentences: 64, fixedBatches: 1, log: logBool }
        : { sentences: 1000, fixedBatches: 5, log: logBool };
    default:
      return {};
  }
}

/** Runs one section in this process. */
export async function runSection(id: SectionId, ctx: SectionContext): Promise<SectionOutcome> {
  const t0 = performance.now();
  const seconds = () => Math.round((performance.now() - t0) / 100) / 10;
  try {
    let result: unknown;
    if (id === 'forward') {
      result = await runForwardBench({
        shape: ctx.quick ? BERT_TINY : BERT_BASE,
        threads: ctx.threads,
        reps: ctx.quick ? 1 : 5,
        loadReps: ctx.quick ? 1 : 3,
        sentences: ctx.quick ? 64 : 256,
        log: ctx.log,
      });
    } else if (id === 'tokenizer') {
      result = await runTokenizerBench({ sentences: ctx.quick ? 200 : 4000, reps: ctx.quick ? 1 : 5, log: ctx.log });
      // The GPT-2 byte-level BPE row rides in the same section, on the same sentences.
      const bpe = await runBpeTokenizerBench(
        ctx.quick ? { sentences: 200, reps: 1, merges: 500, log: ctx.log } : { sentences: 4000, reps: 5, log: ctx.log },
      );
      result = { ...(result as object), bpe };
    } else if (id === 'performer' && ctx.quick) {
      // Its own smoke run takes over a minute (a 4-layer encoder at L = 1024 with softmax).
      return { status: 'not-available', reason: 'skipped in --quick (run bench/performer.ts --quick on its own)' };
    } else {
      const fn = await loadExternal(id);
      if (typeof fn === 'string') return { status: 'not-available', reason: fn };
      result = await fn(externalOptions(id, ctx));
    }
    return { status: 'ok', seconds: seconds(), result };
  } catch (err) {
    const e = err as Error;
    return { status: 'error', seconds: seconds(), error: e?.message ?? String(err) };
  }
}
