/**
 * Tokenizer throughput: our WordPiece `Tokenizer` against @xenova/transformers' `BertTokenizer` built
 * from the tokenizer.json we export for the same vocab (bert-base-chinese from ../shared when present),
 * on the same sentences (STS-B zh), one text at a time with [CLS]/[SEP]. Also reports how many texts the
 * two encode to identical ids. Interleaved rounds, medians.
 *
 *   node packages/cli/bin/run-ts.js bench/tokenizer.ts [--quick] [--sentences 4000] [--reps 5]
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Tokenizer, wordPieceTokenizerConfig, wordPieceTokenizerJson } from '@bert4tfjs/tokenizers';
import { findVocab, loadSentences, REPO_ROOT } from './lib/data.ts';
import { loadAverage, median } from './lib/stats.ts';
import { benchArgs, isMainModule } from './lib/cli.ts';

/** Options of {@link runTokenizerBench}. */
export interface TokenizerBenchOptions {
  /** Sentences encoded per round. Default 4000. */
  sentences?: number;
  /** Timed rounds per tokenizer (after one warm-up round). Default 5. */
  reps?: number;
  /** Vocabulary file; default the shared bert-chinese vocab (or the fixture vocab). */
  vocabPath?: string;
  log?: (line: string) => void;
}

/** One tokenizer's timing. */
export interface TokenizerTiming {
  /** Median seconds per round over all sentences. */
  seconds: number;
  samples: number[];
  textsPerSecond: number;
}

/** What {@link runTokenizerBench} measured. */
export interface TokenizerBenchResult {
  vocab: string;
  vocabSize: number;
  source: string;
  sentences: number;
  /** Characters per round (UTF-16 units), for a size sense. */
  characters: number;
  ours: TokenizerTiming;
  /** Null when @xenova/transformers could not be loaded; `xenovaError` then says why. */
  xenova: TokenizerTiming | null;
  xenovaError?: string;
  /** Texts whose ids are identical in both (of `sentences`); null without xenova. */
  identical: number | null;
  loadAverage: number;
}

/** The part of xenova's tokenizer used here. */
interface XenovaTokenizer {
  encode(text: string): number[];
}
interface XenovaModule {
  BertTokenizer: new (tokenizerJson: unknown, tokenizerConfig: unknown) => XenovaTokenizer;
}

/** @xenova/transformers, resolved from the CLI package that depends on it. */
async function loadXenova(): Promise<XenovaModule> {
  const req = createRequire(join(REPO_ROOT, 'packages', 'cli', 'package.json'));
  return (await import(pathToFileURL(req.resolve('@xenova/transformers')).href)) as XenovaModule;
}

function timing(samples: number[], n: number): TokenizerTiming {
  const seconds = median(samples);
  return { seconds, samples, textsPerSecond: n / seconds };
}

/** Runs the tokenizer benchmark in this process. */
export async function runTokenizerBench(options: TokenizerBenchOptions = {}): Promise<TokenizerBenchResult> {
  const say = options.log ?? (() => {});
  const reps = Math.max(1, options.reps ?? 5);
  const vocab = options.vocabPath ? { path: options.vocabPath, source: options.vocabPath } : findVocab();
  const { sentences, source } = loadSentences(options.sentences ?? 4000);
  const ours = Tokenizer.fromVocabFile(vocab.path);
  let xenova: XenovaTokenizer | null = null;
  let xenovaError: string | undefined;
  try {
    const { BertTokenizer } = await loadXenova();
    xenova = new BertTokenizer(wordPieceTokenizerJson(ours), wordPieceTokenizerConfig(ours));
  } catch (err) {
    xenovaError = err instanceof Error ? err.message : String(err);
    say(`tokenizer: @xenova/transformers unavailable (${xenovaError})`);
  }
  const oursIds = (t: string): number[] => ours.encode(t).inputIds;
  let identical: number | null = null;
  if (xenova) {
    const x = xenova;
    identical = sentences.filter((t) => {
      const a = oursIds(t);
      const b = x.encode(t);
      return a.length === b.length && a.every((v, i) => v === b[i]);
    }).length;
  }
  // Interleaved rounds (one warm-up each), so a load spike hits both sides alike.
  const oursSamples: number[] = [];
  const xSamples: number[] = [];
  const round = (fn: (t: string) => unknown): number => {
    const t0 = performance.now();
    for (const t of sentences) fn(t);
    return (performance.now() - t0) / 1000;
  };
  for (let r = 0; r <= reps; r++) {
    const a = round(oursIds);
    const b = xenova ? round((t) => xenova!.encode(t)) : 0;
    if (r > 0) {
      oursSamples.push(a);
      if (xenova) xSamples.push(b);
    }
  }
  const result: TokenizerBenchResult = {
    vocab: vocab.source,
    vocabSize: ours.vocabSize,
    source,
    sentences: sentences.length,
    characters: sentences.reduce((s, t) => s + t.length, 0),
    ours: timing(oursSamples, sentences.length),
    xenova: xenova ? timing(xSamples, sentences.length) : null,
    identical,
    loadAverage: loadAverage(),
  };
  if (xenovaError) result.xenovaError = xenovaError;
  say(
    `tokenizer: ours ${result.ours.textsPerSecond.toFixed(0)} texts/s` +
      (result.xenova
        ? `, xenova ${result.xenova.textsPerSecond.toFixed(0)} texts/s; identical ids ${identical}/${sentences.length}`
        : ''),
  );
  return result;
}

if (isMainModule(import.meta.url)) {
  const { args, num } = benchArgs();
  const quick = args.includes('--quick');
  const r = await runTokenizerBench({
    sentences: num('sentences') ?? (quick ? 200 : undefined),
    reps: num('reps') ?? (quick ? 1 : undefined),
    log: (l) => process.stderr.write(`${l}\n`),
  });
  console.log(JSON.stringify(r, null, 2));
}
