/**
 * JSON Lines input with errors that name the file and line, and line-oriented text input.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { Bert4tfjsError } from '@bert4tfjs/core';

/** Reads a whole input file as UTF-8; a missing, non-regular or empty file is an error naming it. */
export function readInputFile(path: string): string {
  if (!existsSync(path)) throw new Bert4tfjsError(`input file not found: ${path}`, 'missing-file');
  if (!statSync(path).isFile()) throw new Bert4tfjsError(`input is not a file: ${path}`, 'bad-file');
  const text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  if (text.trim() === '') throw new Bert4tfjsError(`input file is empty: ${path}`, 'empty-input');
  return text;
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
