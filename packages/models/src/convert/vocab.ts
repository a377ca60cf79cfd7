/**
 * Vocabulary files that travel with a converted model: the WordPiece `vocab.txt` of BERT-style releases,
 * SentencePiece models (ALBERT ships `30k-clean.model`, T5 `spiece.model` or `sentencepiece.model`),
 * or a `tokenizer.json`. A lone `*.model` is copied as `spiece.model`, the name Hugging Face looks for.
 */
import { copyFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Bert4tfjsError } from '@bert4tfjs/core';

const KNOWN = [
  'vocab.txt',
  'vocab.json',
  'merges.txt',
  'encoder.json',
  'vocab.bpe',
  'spiece.model',
  'sentencepiece.model',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
];

/** A vocabulary file to copy: where it is and the name it gets in the output. */
export interface VocabFile {
  from: string;
  as: string;
}

/** The vocabulary files beside a checkpoint in `dir` (or `explicit` ones, which must exist). */
export function findVocabFiles(dir: string, explicit: string[] = []): VocabFile[] {
  if (explicit.length) {
    return explicit.map((f) => {
      if (!existsSync(f) || !statSync(f).isFile())
        throw new Bert4tfjsError(`--vocab ${f}: file not found`, 'not-found');
      return { from: f, as: basename(f) };
    });
  }
  const out: VocabFile[] = KNOWN.filter((f) => existsSync(join(dir, f))).map((f) => ({ from: join(dir, f), as: f }));
  if (!out.some((v) => v.as.endsWith('.model'))) {
    const models = readdirSync(dir).filter((f) => f.endsWith('.model'));
    if (models.length === 1) out.push({ from: join(dir, models[0]), as: 'spiece.model' });
  }
  return out;
}

/** Copies vocabulary files into `dir`. */
export function copyVocabFiles(files: VocabFile[], dir: string): void {
  for (const f of files) copyFileSync(f.from, join(dir, f.as));
}
