/**
 * Sentence-pair files for text matching, in the layouts our users bring: PAWS-X / LCQMC / BQ / ATEC TSV
 * (tab-separated, optional header `id sentence1 sentence2 label`, never quote-aware: sentences contain
 * bare `"`) and STS-B CSV (`sentence1,sentence2,score`, quoted fields, Windows line endings).
 */
import { existsSync, readFileSync } from 'node:fs';
import { decodeUtf8Strict } from '../io/jsonl.ts';
import { parse } from 'csv-parse/sync';
import { Bert4tfjsError } from '@bert4tfjs/core';

/** One sentence pair with its label (0/1 for binary data, a 0-5 score for graded data). */
export interface MatchingPair {
  a: string;
  b: string;
  label: number;
  /** 1-based line in the source file, for error messages and predictions. */
  line: number;
}

/** Binary labels (0/1) or graded scores (0..5). */
export type LabelSchema = 'binary' | 'graded';

/** A loaded dataset. */
export interface MatchingDataset {
  path: string;
  schema: LabelSchema;
  pairs: MatchingPair[];
  /** Lines skipped as malformed (with onBadLine 'skip'). */
  skipped: Array<{ line: number; reason: string }>;
}

/** Options of {@link readMatchingFile}. */
export interface ReadMatchingOptions {
  /** What a malformed line does: stop with an error naming it (default) or skip it (counted). */
  onBadLine?: 'error' | 'skip';
  /**
   * Force the schema. Default: TSV (PAWS-X / LCQMC, a binary format) is binary — a label other than 0/1
   * is an error naming its line, never a silent switch to regression; CSV (STS-B, a graded format) is
   * graded unless every label is 0 or 1.
   */
  schema?: LabelSchema;
}

function rowsFromTsv(text: string): Array<{ line: number; cells: string[] }> {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const rows: Array<{ line: number; cells: string[] }> = [];
  lines.forEach((l, i) => {
    if (l.trim() !== '') rows.push({ line: i + 1, cells: l.split('\t') });
  });
  // A header names its columns; PAWS-X has `id sentence1 sentence2 label`.
  if (rows.length && rows[0].cells.some((c) => /^(sentence1|sentence2|label|text_a|text_b|id)$/i.test(c.trim())))
    rows.shift();
  return rows;
}

function rowsFromCsv(text: string, path: string): Array<{ line: number; cells: string[] }> {
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parse(text.replace(/^\uFEFF/, ''), {
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      bom: true,
    }) as unknown as typeof records;
  } catch (err) {
    throw new Bert4tfjsError(`${path}: cannot parse as CSV (${(err as Error).message})`, 'bad-input');
  }
  return records.map((r) => ({ line: r.info.lines, cells: r.record }));
}

/** Reads a matching file (.tsv/.txt tab-separated, .csv comma-separated); errors name the file and line. */
export function readMatchingFile(path: string, options: ReadMatchingOptions = {}): MatchingDataset {
  if (!existsSync(path)) throw new Bert4tfjsError(`data file not found: ${path}`, 'missing-file');
  const text = decodeUtf8Strict(readFileSync(path), path);
  if (text.trim() === '') throw new Bert4tfjsError(`data file is empty: ${path}`, 'empty-input');
  const csv = /\.csv$/i.test(path);
  const rows = csv ? rowsFromCsv(text, path) : rowsFromTsv(text);
  const onBad = options.onBadLine ?? 'error';
  const pairs: MatchingPair[] = [];
  const skipped: Array<{ line: number; reason: string }> = [];
  for (const { line, cells } of rows) {
    // 4 columns: id, a, b, label (PAWS-X); 3 columns: a, b, label (LCQMC, STS-B).
    const [a, b, label] = cells.length >= 4 ? cells.slice(1, 4) : cells;
    let reason: string | null = null;
    if (cells.length < 3 || cells.length > 4) reason = `expected 3 or 4 columns, found ${cells.length}`;
    else if (!a?.trim() || !b?.trim()) reason = 'empty sentence';
    else if (!/^\s*-?\d+(\.\d+)?\s*$/.test(label ?? '')) reason = `label '${label}' is not a number`;
    if (reason) {
      if (onBad === 'skip') {
        skipped.push({ line, reason });
        continue;
      }
      throw new Bert4tfjsError(`${path}:${line}: ${reason} (use --on-bad-line skip to skip such lines)`, 'bad-input');
    }
    pairs.push({ a: a.trim(), b: b.trim(), label: Number(label), line });
  }
  if (pairs.length === 0) throw new Bert4tfjsError(`data file has no usable pairs: ${path}`, 'empty-input');
  const allBinary = pairs.every((p) => p.label === 0 || p.label === 1);
  const schema = options.schema ?? (!csv || allBinary ? 'binary' : 'graded');
  for (const p of pairs) {
    const ok = schema === 'binary' ? p.label === 0 || p.label === 1 : p.label >= 0 && p.label <= 5;
    if (!ok) {
      const hint =
        schema === 'binary' && options.schema === undefined && p.label >= 0 && p.label <= 5
          ? '; a tab-separated file holds 0/1 labels — pass --labels graded if it holds 0-5 similarity scores'
          : '';
      throw new Bert4tfjsError(
        `${path}:${p.line}: label ${p.label} is outside the ${schema} schema (${schema === 'binary' ? '0 or 1' : '0 to 5'})${hint}`,
        'bad-input',
      );
    }
  }
  return { path, schema, pairs, skipped };
}
