/**
 * Opening a model directory together with its tokenizer: the glue the CLI and examples share. Lives
 * above core/models/tokenizers, so it may know all three.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Bert4tfjsError } from '@bert4tfjs/core';
import {
  loadModelDir,
  sentencePoolingFor,
  type BuildTransformerOptions,
  type TransformerModel,
} from '@bert4tfjs/models';
import {
  ByteLevelBpeTokenizer,
  createJiebaPreTokenizer,
  findBpeFiles,
  Tokenizer,
  type TokenizerOptions,
} from '@bert4tfjs/tokenizers';
import type { EmbedPooling } from './embedder.ts';

/** Tokenizer settings stored beside a model (tokenizer_config.json, Hugging Face keys). */
export interface TokenizerSettings {
  lowercase: boolean;
  preTokenize: string | null;
}

/** Reads tokenizer_config.json (if any): `do_lower_case` and our `pre_tokenize` key. */
export function readTokenizerSettings(dir: string): TokenizerSettings {
  const path = join(dir, 'tokenizer_config.json');
  const settings: TokenizerSettings = { lowercase: true, preTokenize: null };
  if (!existsSync(path)) return settings;
  let cfg: Record<string, unknown>;
  try {
    cfg = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Bert4tfjsError(`${path}: not valid JSON (${(err as Error).message})`, 'bad-file');
  }
  if (typeof cfg.do_lower_case === 'boolean') settings.lowercase = cfg.do_lower_case;
  if (typeof cfg.pre_tokenize === 'string') settings.preTokenize = cfg.pre_tokenize;
  return settings;
}

/** Pre-tokenizers by name; 'jieba' is python jieba's `cut(s, HMM=False)`, as WoBERT was trained. */
export const PRE_TOKENIZERS = new Map<string, () => (text: string) => string[]>([
  ['jieba', () => createJiebaPreTokenizer({ hmm: false })],
]);

/** Builds the pre-tokenizer called `name`, or errors listing the known ones. */
export function preTokenizerByName(name: string): (text: string) => string[] {
  const make = PRE_TOKENIZERS.get(name);
  if (!make)
    throw new Bert4tfjsError(
      `unknown pre-tokenizer '${name}' (known: ${[...PRE_TOKENIZERS.keys()].join(', ') || 'none'})`,
      'bad-argument',
    );
  return make();
}

/** The WordPiece tokenizer of a model directory (vocab.txt required). */
export function loadTokenizerFromDir(
  dir: string,
  overrides: TokenizerOptions & { preTokenizeName?: string | null } = {},
): Tokenizer {
  const vocab = join(dir, 'vocab.txt');
  if (!existsSync(vocab)) {
    throw new Bert4tfjsError(
      `model directory ${dir} has no vocab.txt (a WordPiece vocabulary is needed to tokenize text)`,
      'missing-file',
    );
  }
  const settings = readTokenizerSettings(dir);
  const name = overrides.preTokenizeName !== undefined ? overrides.preTokenizeName : settings.preTokenize;
  return Tokenizer.fromVocabFile(vocab, {
    lowercase: overrides.lowercase ?? settings.lowercase,
    preTokenize: overrides.preTokenize ?? (name ? preTokenizerByName(name) : undefined),
  });
}

/**
 * The byte-level BPE tokenizer (GPT-2) of a model directory holding vocab.json + merges.txt or
 * encoder.json + vocab.bpe, or null when it has a vocab.txt (WordPiece wins) or no such pair.
 */
export function loadBpeTokenizerFromDir(dir: string): ByteLevelBpeTokenizer | null {
  if (existsSync(join(dir, 'vocab.txt')) || !findBpeFiles(dir)) return null;
  return ByteLevelBpeTokenizer.fromDir(dir);
}

/** Embedding settings a sentence-embedding model directory carries (bert4tfjs.json, written by train-matching). */
export interface EmbeddingDefaults {
  pooling?: string;
  normalize?: boolean;
  maxLength?: number;
}

/** Reads bert4tfjs.json from a model directory ({} when absent). */
export function readEmbeddingDefaults(dir: string): EmbeddingDefaults {
  const path = join(dir, 'bert4tfjs.json');
  if (!existsSync(path)) return {};
  try {
    const cfg = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    return {
      pooling: typeof cfg.pooling === 'string' ? cfg.pooling : undefined,
      normalize: typeof cfg.normalize === 'boolean' ? cfg.normalize : undefined,
      maxLength: typeof cfg.max_length === 'number' ? cfg.max_length : undefined,
    };
  } catch (err) {
    throw new Bert4tfjsError(`${path}: not valid JSON (${(err as Error).message})`, 'bad-file');
  }
}

/**
 * The pooling to embed a model directory's model with: the caller's (`--pooling`), else the directory's
 * bert4tfjs.json (how a train-matching model was trained to be pooled), else its family's default
 * (`sentencePoolingFor`). The one resolution `embed`, `similar` and the demo share.
 */
export function resolvePooling(explicit: string | undefined, dir: string, built: TransformerModel): EmbedPooling {
  return (explicit ?? readEmbeddingDefaults(dir).pooling ?? sentencePoolingFor(built.family)) as EmbedPooling;
}

/** A model directory opened for inference: the built model plus its tokenizer (when it has a vocab). */
export interface OpenedModel {
  dir: string;
  built: TransformerModel;
  tokenizer: Tokenizer | null;
  maxPositions: number;
}

/** Opens a model directory: model (all heads it carries) and tokenizer. The caller disposes `built.model`. */
export function openModel(
  dir: string,
  options: Partial<BuildTransformerOptions> = {},
  needTokenizer = false,
): OpenedModel {
  // The tokenizer first: a failure there must not leave a loaded model behind.
  const hasVocab = existsSync(join(dir, 'vocab.txt'));
  if (needTokenizer && !hasVocab) loadTokenizerFromDir(dir);
  const tokenizer = hasVocab ? loadTokenizerFromDir(dir) : null;
  const built = loadModelDir(dir, options);
  const maxPositions =
    typeof built.rawConfig.max_position_embeddings === 'number' ? built.rawConfig.max_position_embeddings : 512;
  return { dir, built, tokenizer, maxPositions };
}
