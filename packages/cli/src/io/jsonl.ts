/**
 * JSON Lines input with errors that name the file and line, and line-oriented text input.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { Bert4tfjsError } from '@bert4tfjs/core';

/** Reads a whole input file as UTF-8; a missing, non-regular or empty file is an error naming it. */
export function readInputFile(path: string): string {
  if (!existsSync(path)) throw new Bert4tfjsError(`input file not found: ${path}`, 'missing-file');
  if (!statSync(path).isFile()) throw new Bert4tfjsError(`input is not a file: ${path}`, 'bad-file');
  const text = decodeUtf8Strict(readFileSync(path), path).replace(/^\uFEFF/, '');
  if (text.trim() === '') throw new Bert4tfjsError(`input file is empty: ${path}`, 'empty-input');
  return text;
}

/**
 * Decodes UTF-8, refusing invalid bytes (instead of replacing them with U+FFFD, which would silently change
 * the text) with an error naming the file and the line of the first bad byte.
 */
export function decodeUtf8Strict(bytes: Uint8Array, path: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    let line = 1;
    let start = 0;
    for (let i = 0; i <= bytes.length; i++) {
      if (i === bytes.length || bytes[i] === 0x0a) {
        try {
          new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(start, i));
        } catch {
          throw new Bert4tfjsError(
            `${path}:${line}: not valid UTF-8 (byte ${start + 1}..${i} of the file)`,
            'bad-input',
          );
        }
        line++;
        start = i + 1;
      }
    }
    throw new Bert4tfjsError(`${path}: not valid UTF-8`, 'bad-input');
  }
}

/** The lines of a text, without the line ending; a final newline does not make an extra empty line. */
export function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Parses JSONL; blank lines are skipped; each record carries its 1-based line number. */
export function parseJsonl(text: string, path: string): Array<{ line: number; value: Record<string, unknown> }> {
  const out: Array<{ line: number; value: Record<string, unknown> }> = [];
  splitLines(text).forEach((raw, i) => {
    if (raw.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      throw new Bert4tfjsError(`${path}:${i + 1}: invalid JSON (${(err as Error).message})`, 'bad-input');
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      throw new Bert4tfjsError(`${path}:${i + 1}: expected a JSON object per line`, 'bad-input');
    }
    out.push({ line: i + 1, value: value as Record<string, unknown> });
  });
  if (out.length === 0) throw new Bert4tfjsError(`input file has no records: ${path}`, 'empty-input');
  return out;
}

/** Whether a file should be read as JSONL: by extension, else by its first non-blank character. */
export function looksLikeJsonl(path: string, text: string): boolean {
  if (/\.jsonl?$/i.test(path)) return true;
  if (/\.txt$/i.test(path)) return false;
  return text.trimStart().startsWith('{');
}
