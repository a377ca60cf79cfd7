/**
 * User dictionaries: one `word [freq] [tag]` per line (python jieba's `load_userdict`, cppjieba's user
 * dict). Python accepts any line through a permissive regex and would silently turn "word 1.5" into the
 * word "word 1.5"; we reject such lines instead, naming the file and line.
 */
import { readFileSync } from 'node:fs';
import { TokenizerError } from '../wordpiece/errors.ts';

/** One parsed user-dictionary line. */
export interface UserDictEntry {
  /** The word to add. */
  readonly word: string;
  /** Its frequency; undefined means "suggest one that keeps the word whole". */
  readonly freq: number | undefined;
  /** Part-of-speech tag, when given. */
  readonly tag: string | undefined;
  /** 1-based line number in the source. */
  readonly line: number;
}

const FREQ = /^\d+$/;
const TAG = /^[A-Za-z]+$/;

/**
 * Parses user-dictionary text. Blank lines are skipped; a BOM on the first line is dropped.
 * @param source file name used in error messages.
 * @throws TokenizerError on a line that is not `word`, `word freq`, `word tag` or `word freq tag`.
 */
export function parseUserDict(text: string, source: string): UserDictEntry[] {
  const entries: UserDictEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i].trim();
    if (i === 0 && line.charCodeAt(0) === 0xfeff) line = line.slice(1).trim();
    if (line.length === 0) continue;
    const fields = line.split(/\s+/);
    let freq: number | undefined;
    let tag: string | undefined;
    let ok = fields.length <= 3;
    if (ok && fields.length === 3) {
      ok = FREQ.test(fields[1]) && TAG.test(fields[2]);
      freq = Number(fields[1]);
      tag = fields[2];
    } else if (ok && fields.length === 2) {
      if (FREQ.test(fields[1])) freq = Number(fields[1]);
      else if (TAG.test(fields[1])) tag = fields[1];
      else ok = false;
    }
    if (!ok) {
      throw new TokenizerError(
        `malformed user dictionary line in ${source} at line ${i + 1}: expected "word [freq] [tag]" ` +
          `(integer freq, alphabetic tag, no spaces in the word), got ${JSON.stringify(line)}`,
      );
    }
    entries.push({ word: fields[0], freq, tag, line: i + 1 });
  }
  return entries;
}

/**
 * Reads and parses a user dictionary file (UTF-8).
 * @throws TokenizerError when the file cannot be read or a line is malformed.
 */
export function readUserDict(path: string): UserDictEntry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new TokenizerError(`cannot read jieba user dictionary ${path}: ${String(err)}`);
  }
  return parseUserDict(text, path);
}
