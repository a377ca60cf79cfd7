/**
 * `bert4tfjs generate`: continue a prompt with a decoder-only model directory (GPT-2: config.json,
 * model.safetensors, vocab.json + merges.txt or encoder.json + vocab.bpe) by greedy search, sampling
 * (temperature, top-k, top-p, seed) or beam search, on the key/value-cached step of @bert4tfjs/models.
 */
import { Bert4tfjsError, type Constraint } from '@bert4tfjs/core';
import { gpt2Generator, loadModelDir, type TransformerModel } from '@bert4tfjs/models';
import { ByteLevelBpeTokenizer } from '@bert4tfjs/tokenizers';
import type { Command } from 'commander';
import { parseFloatOption, parseIntOption, startBackend, withGlobalOptions, type GlobalOptions } from './common.ts';

/** Decoding strategies `--strategy` accepts. */
export const GENERATE_STRATEGIES = ['greedy', 'sample', 'beam'] as const;

/** Options of `generate` as commander parses them. */
export interface GenerateCliOptions extends GlobalOptions {
  model: string;
  prompt: string;
  maxNewTokens?: string;
  strategy?: string;
  topK?: string;
  topP?: string;
  temperature?: string;
  beams?: string;
  seed?: string;
  json?: boolean;
}

/** The decoding settings, checked. */
export interface GenerateSettings {
  strategy: (typeof GENERATE_STRATEGIES)[number];
  maxNewTokens: number;
  topK?: number;
  topP?: number;
  temperature?: number;
  beams: number;
  seed?: string;
}

/** What one generation produced. */
export interface GenerateResult {
  prompt: string;
  /** Prompt plus continuation, decoded together (so a character split across the boundary reads right). */
  text: string;
  promptIds: number[];
  newIds: number[];
  /** Summed log-probability of the new tokens (the end id included when it was produced). */
  score: number;
  /** Whether decoding stopped at the end id rather than at --max-new-tokens. */
  finished: boolean;
}

/** Flags that only mean something with one strategy. */
const ONLY_WITH: Array<{ key: keyof GenerateCliOptions; flag: string; strategy: string }> = [
  { key: 'topK', flag: '--top-k', strategy: 'sample' },
  { key: 'topP', flag: '--top-p', strategy: 'sample' },
  { key: 'temperature', flag: '--temperature', strategy: 'sample' },
  { key: 'seed', flag: '--seed', strategy: 'sample' },
  { key: 'beams', flag: '--beams', strategy: 'beam' },
];

/** Checks the flags (before any model is loaded); every error names its flag. */
export function parseGenerateSettings(opts: GenerateCliOptions): GenerateSettings {
  const strategy = (opts.strategy ?? 'greedy') as GenerateSettings['strategy'];
  if (!GENERATE_STRATEGIES.includes(strategy)) {
    throw new Bert4tfjsError(
      `--strategy: expected one of ${GENERATE_STRATEGIES.join(', ')}, got '${opts.strategy}'`,
      'bad-argument',
    );
  }
  for (const o of ONLY_WITH) {
    if (opts[o.key] !== undefined && strategy !== o.strategy) {
      throw new Bert4tfjsError(
        `${o.flag} applies to --strategy ${o.strategy} only (got --strategy ${strategy})`,
        'bad-argument',
      );
    }
  }
  const settings: GenerateSettings = {
    strategy,
    maxNewTokens: parseIntOption(opts.maxNewTokens ?? '20', '--max-new-tokens', 1),
    beams: opts.beams === undefined ? 4 : parseIntOption(opts.beams, '--beams', 1),
  };
  if (opts.topK !== undefined) settings.topK = parseIntOption(opts.topK, '--top-k', 1);
  if (opts.topP !== undefined) {
    const p = parseFloatOption(opts.topP, '--top-p');
    if (!(p > 0 && p <= 1)) throw new Bert4tfjsError(`--top-p must be in (0, 1], got '${opts.topP}'`, 'bad-argument');
    settings.topP = p;
  }
  if (opts.temperature !== undefined) {
    const t = parseFloatOption(opts.temperature, '--temperature');
    if (!(t > 0)) throw new Bert4tfjsError(`--temperature must be > 0, got '${opts.temperature}'`, 'bad-argument');
    settings.temperature = t;
  }
  if (opts.seed !== undefined) settings.seed = opts.seed;
  return settings;
}

function loadGenerator(dir: string): { built: TransformerModel; tokenizer: ByteLevelBpeTokenizer } {
  const built = loadModelDir(dir);
  if (built.family !== 'gpt2') {
    built.model.dispose();
    throw new Bert4tfjsError(
      `${dir}: generate needs a decoder-only language model (gpt2), this is a '${built.family}' model`,
      'bad-argument',
    );
  }
  return { built, tokenizer: ByteLevelBpeTokenizer.fromDir(dir) };
}

/**
 * Checkpoints often pad the embedding past the tokenizer's vocabulary (to a multiple of 64, say); the
 * padding rows have no text, so generation is kept to ids the tokenizer can decode. Undefined when the
 * tokenizer covers every id of the model.
 */
export function vocabularyConstraint(
  built: TransformerModel,
  tokenizer: ByteLevelBpeTokenizer,
): Constraint | undefined {
  const modelVocab = Number(built.rawConfig.vocab_size);
  const known: number[] = [];
  for (let id = 0; id < modelVocab; id++) if (tokenizer.hasId(id)) known.push(id);
  return known.length === modelVocab ? undefined : { allowedNext: () => known };
}

/** Continues `prompt` with the model of `dir`. */
export async function generateText(dir: string, prompt: string, settings: GenerateSettings): Promise<GenerateResult> {
  const { built, tokenizer } = loadGenerator(dir);
  try {
    let promptIds = tokenizer.encode(prompt);
    // An empty prompt starts from the beginning-of-text token, as GPT-2 samples unconditionally.
    if (promptIds.length === 0) promptIds = [Number(built.rawConfig.bos_token_id ?? 0)];
    const decoder = gpt2Generator(built, [promptIds]).decoder({ maxNewTokens: settings.maxNewTokens });
    const constraint = vocabularyConstraint(built, tokenizer);
    const hyp =
      settings.strategy === 'greedy'
        ? (await decoder.greedy({ constraint }))[0]
        : settings.strategy === 'beam'
          ? (await decoder.beamSearch({ topK: settings.beams, constraint }))[0]
          : (
              await decoder.randomSample({
                constraint,
                n: 1,
                topK: settings.topK,
                topP: settings.topP,
                temperature: settings.temperature,
                seed: settings.seed,
              })
            )[0][0];
    return {
      prompt,
      text: tokenizer.decode([...promptIds, ...hyp.tokens]),
      promptIds,
      newIds: hyp.tokens,
      score: hyp.score,
      finished: hyp.finished,
    };
  } finally {
    built.model.dispose();
  }
}

/** Registers `generate`. */
export function registerGenerate(program: Command): void {
  withGlobalOptions(
    program
      .command('generate')
      .description('continue a prompt with a GPT-2 model directory (greedy, sampling or beam search)'),
  )
    .requiredOption('--model <dir>', 'model directory: config.json, model.safetensors, vocab.json + merges.txt')
    .requiredOption('--prompt <text>', 'the text to continue')
    .option('--max-new-tokens <n>', 'most tokens to generate (default 20)')
    .option('--strategy <name>', `${GENERATE_STRATEGIES.join(' | ')} (default greedy)`)
    .option('--top-k <k>', 'sample: only among the k most likely tokens')
    .option('--top-p <p>', 'sample: only among the most likely tokens holding probability p (nucleus)')
    .option('--temperature <t>', 'sample: softmax temperature (default 1)')
    .option('--beams <n>', 'beam: beam width (default 4)')
    .option('--seed <s>', 'sample: random seed (the same seed gives the same text)')
    .option('--json', 'print {prompt, text, prompt_ids, new_ids, score, finished} as JSON')
    .action(async (opts: GenerateCliOptions) => {
      const settings = parseGenerateSettings(opts);
      await startBackend(opts);
      const r = await generateText(opts.model, opts.prompt, settings);
      process.stdout.write(
        opts.json
          ? `${JSON.stringify({ prompt: r.prompt, text: r.text, prompt_ids: r.promptIds, new_ids: r.newIds, score: r.score, finished: r.finished })}\n`
          : `${r.text}\n`,
      );
    });
}
