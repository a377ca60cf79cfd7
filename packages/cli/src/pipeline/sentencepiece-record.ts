/**
 * `tokenize` with a SentencePiece model directory (T5 / mT5 `spiece.model`, XLM-R-style
 * `sentencepiece.bpe.model`): pieces and ids as Hugging Face's slow SentencePiece tokenizers give them.
 * T5 and mT5 directories append `</s>` as T5Tokenizer does; other models get the bare pieces.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Bert4tfjsError } from '@bert4tfjs/core';
import { readConfigFile } from '@bert4tfjs/models';
import { SentencePieceTokenizer } from '@bert4tfjs/tokenizers';

/** The SentencePiece model files a Hugging Face directory may hold, in the order they are looked for. */
const SENTENCEPIECE_FILES = ['spiece.model', 'sentencepiece.bpe.model', 'tokenizer.model'];

/** The SentencePiece model file of `dir`, or null when it has none (or has a vocab.txt, which wins). */
export function findSentencePieceModel(dir: string): string | null {
  if (existsSync(join(dir, 'vocab.txt'))) return null;
  const named = SENTENCEPIECE_FILES.map((f) => join(dir, f)).find((p) => existsSync(p));
  if (named) return named;
  const models = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.model')) : [];
  if (models.length > 1) {
    throw new Bert4tfjsError(
      `model directory ${dir} holds several SentencePiece models (${models.join(', ')}); keep one or name it spiece.model`,
      'bad-input',
    );
  }
  return models.length ? join(dir, models[0]) : null;
}

/** The SentencePiece tokenizer of `dir`, or null when the directory has no SentencePiece model. */
export function loadSentencePieceFromDir(dir: string): SentencePieceTokenizer | null {
  const file = findSentencePieceModel(dir);
  if (!file) return null;
  const configPath = join(dir, 'config.json');
  const type = existsSync(configPath) ? readConfigFile(configPath).model_type : undefined;
  const t5 = type === 't5' || type === 'mt5';
  return SentencePieceTokenizer.fromFile(file, { addEos: t5 });
}

/** `tokenize`'s record for `value.text`: pieces, ids and the attention mask (cut to `maxLength` ids). */
export function sentencePieceTokenizeRecord(
  tokenizer: SentencePieceTokenizer,
  value: Record<string, unknown>,
  where: string,
  maxLength?: number,
): { tokens: string[]; input_ids: number[]; attention_mask: number[] } {
  if (value.text_pair !== undefined && value.text_pair !== null) {
    throw new Bert4tfjsError(`${where}: "text_pair" is not supported by a SentencePiece tokenizer`, 'bad-input');
  }
  // Pieces as the segmenter cut them (an unknown piece keeps its text, as python sentencepiece shows it).
  let ids = tokenizer.encode(value.text as string);
  let tokens = tokenizer.encodeAsPieces(value.text as string);
  if (maxLength !== undefined && ids.length > maxLength) {
    // Keep the eos last, as the batch truncation does.
    const keep = tokenizer.addEos ? maxLength - 1 : maxLength;
    ids = [...ids.slice(0, keep), ...(tokenizer.addEos ? [tokenizer.eosId] : [])];
    tokens = [...tokens.slice(0, keep), ...(tokenizer.addEos ? [tokens[tokens.length - 1]] : [])];
  }
  return { tokens, input_ids: ids, attention_mask: ids.map(() => 1) };
}
