/**
 * GPT-2 byte-level BPE throughput: our `ByteLevelBpeTokenizer` against @xenova/transformers'
 * `GPT2Tokenizer` built from a tokenizer.json of the same vocabulary, on the same sentences as the
 * WordPiece row (STS-B zh test + dev, one text at a time). The vocabulary is learned at bench time from
 * other sentences (STS-B zh train; bench/lib/bpe-train.ts), as no GPT-2 vocabulary is reachable here.
 * Reports how many texts get identical ids, the first (cold-cache) pass and the warm median of
 * interleaved rounds.
 *
 *   node packages/cli/bin/run-ts.js bench/tokenizer-bpe.ts [--quick] [--sentences 4000] [--reps 5] [--merges 8000]
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { existsSync } from 'node:fs';
import { ByteLevelBpeTokenizer } from '@bert4tfjs/tokenizers';
import { generateMatchingPairs, readMatchingFile } from 'bert4tfjs';
import { trainByteLevelBpe } from './lib/bpe-train.ts';
import { benchArgs, isMainModule } from './lib/cli.ts';
import { loadSentences, REPO_ROOT, SHARED_DIR } from './lib/data.ts';
import { loadAverage, median } from './lib/stats.ts';

/** Options of {@link runBpeTokenizerBench}. */
export interface BpeTokenizerBenchOptions {
  /** Sentences encoded per round. Default 4000. */
  sentences?: number;
  /** Timed rounds per tokenizer (after one warm-up round). Default 5. */
  reps?: number;
  /** Merges to learn. Default 4000. */
  merges?: number;
  log?: (line: string) => void;
}

/** One tokenizer's timing. */
export interface BpeTiming {
  seconds: number;
  samples: number[];
  textsPerSecond: number;
}

/** What {@link runBpeTokenizerBench} measured. */
export interface BpeTokenizerBenchResult {
  source: string;
  /** Where the merges were learned. */
  trainSource: string;
  sentences: number;
  characters: number;
  vocabSize: number;
  merges: number;
  trainSeconds: number;
  /** Tokens per text on average (our encoding). */
  tokensPerText: number;
  ours: BpeTiming;
  xenova: BpeTiming | null;
  /** Seconds of the first pass over all sentences, every word new to the cache. */
  coldSeconds: { ours: number; xenova: number | null };
  xenovaError?: string;
  identical: number | null;
  loadAverage: number;
}

interface XenovaTokenizer {
  encode(text: string): number[];
}
interface XenovaModule {
  GPT2Tokenizer: new (tokenizerJson: unknown, tokenizerConfig: unknown) => XenovaTokenizer;
}

async function loadXenova(): Promise<XenovaModule> {
  const req = createRequire(join(REPO_ROOT, 'packages', 'cli', 'package.json'));
  return (await import(pathToFileURL(req.resolve('@xenova/transformers')).href)) as XenovaModule;
}

/** A Hugging Face tokenizer.json for a byte-level BPE vocabulary (GPT-2's settings, no special tokens). */
function gpt2TokenizerJson(vocab: Map<string, number>, merges: Array<{ a: string; b: string }>): unknown {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      vocab: Object.fromEntries(vocab),
      merges: merges.map((m) => `${m.a} ${m.b}`),
    },
  };
}

/** Training sentences disjoint from the bench's: STS-B zh train, else synthetic pairs of another seed. */
function trainingSentences(): { texts: string[]; source: string } {
  const file = join(SHARED_DIR, 'data', 'stsb-multi-mt-zh', 'stsb-zh-train.csv');
  if (existsSync(file)) {
    const texts = readMatchingFile(file, { onBadLine: 'skip' }).pairs.flatMap((p) => [p.a, p.b]);
    return { texts, source: 'shared/data/stsb-multi-mt-zh (train)' };
  }
  const texts = generateMatchingPairs(3000, 77).flatMap((p) => [p.a, p.b]);
  return { texts, source: 'synthetic zh-matching pairs (seed 77)' };
}

function timing(samples: number[], n: number): BpeTiming {
  const seconds = median(samples);
  return { seconds, samples, textsPerSecond: n / seconds };
}

/** Runs the BPE tokenizer benchmark in this process. */
export async function runBpeTokenizerBench(options: BpeTokenizerBenchOptions = {}): Promise<BpeTokenizerBenchResult> {
  const say = options.log ?? (() => {});
  const reps = Math.max(1, options.reps ?? 5);
  const { sentences, source } = loadSentences(options.sentences ?? 4000);
  const training = trainingSentences();
  const t0 = performance.now();
  const trained = trainByteLevelBpe(training.texts, options.merges ?? 4000);
  const trainSeconds = (performance.now() - t0) / 1000;
  const ours = new ByteLevelBpeTokenizer(trained.vocab, trained.merges, { source: 'trained vocabulary' });
  let xenova: XenovaTokenizer | null = null;
  let xenovaError: string | undefined;
  try {
    const { GPT2Tokenizer } = await loadXenova();
    xenova = new GPT2Tokenizer(gpt2TokenizerJson(trained.vocab, trained.merges), {
      tokenizer_class: 'GPT2Tokenizer',
      add_prefix_space: false,
    });
  } catch (err) {
    xenovaError = err instanceof Error ? err.message : String(err);
    say(`tokenizer-bpe: @xenova/transformers unavailable (${xenovaError})`);
  }
  const round = (fn: (t: string) => unknown): number => {
    const start = performance.now();
    for (const t of sentences) fn(t);
    return (performance.now() - start) / 1000;
  };
  const coldSeconds = { ours: round((t) => ours.encode(t)), xenova: xenova ? round((t) => xenova!.encode(t)) : null };
  let identical: number | null = null;
  if (xenova) {
    const x = xenova;
    identical = sentences.filter((t) => {
      const a = ours.encode(t);
      const b = x.encode(t);
      return a.length === b.length && a.every((v, i) => v === b[i]);
    }).length;
  }
  const tokens = sentences.reduce((s, t) => s + ours.encode(t).length, 0);
  // Fresh tokenizers for the timed rounds would measure cold caches; both keep their word caches, as in use.
  const oursSamples: number[] = [];
  const xSamples: number[] = [];
  for (let r = 0; r <= reps; r++) {
    const a = round((t) => ours.encode(t));
    const b = xenova ? round((t) => xenova!.encode(t)) : 0;
    if (r > 0) {
      oursSamples.push(a);
      if (xenova) xSamples.push(b);
    }
  }
  const result: BpeTokenizerBenchResult = {
    source,
    trainSource: training.source,
    sentences: sentences.length,
    characters: sentences.reduce((s, t) => s + t.length, 0),
    vocabSize: ours.vocabSize,
    merges: ours.mergeCount,
    trainSeconds,
    tokensPerText: tokens / sentences.length,
    ours: timing(oursSamples, sentences.length),
    xenova: xenova ? timing(xSamples, sentences.length) : null,
    coldSeconds,
    identical,
    loadAverage: loadAverage(),
  };
  if (xenovaError) result.xenovaError = xenovaError;
  say(
    `tokenizer-bpe: ours ${result.ours.textsPerSecond.toFixed(0)} texts/s` +
      (result.xenova
        ? `, xenova ${result.xenova.textsPerSecond.toFixed(0)} texts/s; identical ids ${identical}/${sentences.length}`
        : ''),
  );
  return result;
}

if (isMainModule(import.meta.url)) {
  const { args, num } = benchArgs();
  const quick = args.includes('--quick');
  const r = await runBpeTokenizerBench({
    sentences: num('sentences') ?? (quick ? 200 : undefined),
    reps: num('reps') ?? (quick ? 1 : undefined),
    merges: num('merges') ?? (quick ? 500 : undefined),
    log: (l) => process.stderr.write(`${l}\n`),
  });
  console.log(JSON.stringify({ ...r, ours: { ...r.ours, samples: undefined } }, null, 2));
}
