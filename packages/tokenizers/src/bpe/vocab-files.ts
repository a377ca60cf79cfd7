/**
 * Reading a byte-level BPE vocabulary from disk: `encoder.json` + `vocab.bpe` as OpenAI ships GPT-2, or
 * `vocab.json` + `merges.txt` as Hugging Face does (the same formats under other names).
 */
import { joinPath, readTextFile, tokenizerFiles } from '../files.ts';
import { TokenizerError } from '../wordpiece/errors.ts';
import { parseMerges, type MergeRule } from './merges.ts';

/** The two file-name pairs a byte-level BPE directory may use, in the order they are looked for. */
export const BPE_FILE_PAIRS: ReadonlyArray<{ vocab: string; merges: string }> = [
  { vocab: 'vocab.json', merges: 'merges.txt' },
  { vocab: 'encoder.json', merges: 'vocab.bpe' },
];

/** The vocabulary and merges files of `dir`, or null when it holds neither pair. */
export function findBpeFiles(dir: string): { vocab: string; merges: string } | null {
  for (const pair of BPE_FILE_PAIRS) {
    const files = tokenizerFiles('findBpeFiles');
    const vocab = joinPath(dir, pair.vocab);
    const merges = joinPath(dir, pair.merges);
    if (files.isFile(vocab) && files.isFile(merges)) return { vocab, merges };
  }
  return null;
}

function readText(path: string, what: string): string {
  if (!tokenizerFiles(`reading the ${what}`).isFile(path)) throw new TokenizerError(`${what} not found: ${path}`);
  try {
    return readTextFile(path, what);
  } catch (err) {
    throw new TokenizerError(`${path}: cannot read ${what} (${(err as Error).message})`);
  }
}

/** Reads a token -> id JSON object; errors name the file and the offending entry. */
export function readBpeVocab(path: string): Map<string, number> {
  const text = readText(path, 'BPE vocabulary');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new TokenizerError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new TokenizerError(`${path}: expected a JSON object {token: id}`);
  }
  const vocab = new Map<string, number>();
  for (const [token, id] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      throw new TokenizerError(
        `${path}: token ${JSON.stringify(token)} has id ${JSON.stringify(id)}, expected a non-negative integer`,
      );
    }
    vocab.set(token, id);
  }
  return vocab;
}

/** Reads a merges file (see {@link parseMerges}). */
export function readBpeMerges(path: string): MergeRule[] {
  return parseMerges(readText(path, 'BPE merges file'), path);
}
