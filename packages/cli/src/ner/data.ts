/**
 * NER input files: JSONL of span rows `{"text", "entities": [{"start", "end", "type"}]}` (character
 * offsets, end exclusive) or BIO rows `{"tokens": [...], "tags": [...]}`. Both become one shape: a list
 * of units (the characters of the text, or the given tokens) and entity spans over unit indices, so
 * character offsets of span rows and token indices of BIO rows are the same numbers. Every bad row is a
 * named error (file and line): overlapping spans, offsets beyond the text, tags that are not BIO.
 */
import { readFileSync } from 'node:fs';
import { Bert4tfjsError } from '@bert4tfjs/core';

/** One entity: units [start, end) of type `type`. */
export interface EntitySpan {
  start: number;
  end: number;
  type: string;
}

/** One example: its units, entities, and where it came from. */
export interface NerExample {
  /** 1-based line in the source file. */
  line: number;
  units: string[];
  entities: EntitySpan[];
}

/** A parsed NER file. */
export interface NerDataset {
  path: string;
  format: 'spans' | 'bio';
  examples: NerExample[];
}

const fail = (path: string, line: number, why: string): never => {
  throw new Bert4tfjsError(`${path}:${line}: ${why}`, 'bad-input');
};

/** Checks spans lie inside `length` units, are non-empty and do not overlap; returns them sorted. */
export function checkSpans(spans: EntitySpan[], length: number, path: string, line: number): EntitySpan[] {
  const sorted = [...spans].sort((a, b) => a.start - b.start || a.end - b.end);
  for (const s of sorted) {
    if (!Number.isInteger(s.start) || !Number.isInteger(s.end) || s.start < 0 || s.end <= s.start)
      fail(path, line, `entity ${JSON.stringify(s)} needs integer offsets 0 <= start < end`);
    if (s.end > length) fail(path, line, `entity ${JSON.stringify(s)} ends beyond the text (length ${length})`);
    if (typeof s.type !== 'string' || s.type === '') fail(path, line, `entity ${JSON.stringify(s)} needs a type`);
  }
  for (let i = 1; i < sorted.length; i++)
    if (sorted[i].start < sorted[i - 1].end)
      fail(
        path,
        line,
        `overlapping entities ${JSON.stringify(sorted[i - 1])} and ${JSON.stringify(sorted[i])} (nested spans are not supported)`,
      );
  return sorted;
}

/** Entity spans of a BIO tag sequence; an I-X that does not continue an X entity is an error. */
export function bioToSpans(tags: string[], path: string, line: number): EntitySpan[] {
  const out: EntitySpan[] = [];
  let open: EntitySpan | null = null;
  tags.forEach((tag, i) => {
    const m = /^([BI])-(.+)$/.exec(tag);
    if (tag === 'O') {
      open = null;
      return;
    }
    if (!m) return fail(path, line, `tag ${i} '${tag}' is not O, B-TYPE or I-TYPE`);
    if (m[1] === 'B') {
      open = { start: i, end: i + 1, type: m[2] };
      out.push(open);
    } else if (open && open.type === m[2] && open.end === i) open.end = i + 1;
    else fail(path, line, `tag ${i} '${tag}' continues no ${m[2]} entity (BIO needs B-${m[2]} first)`);
  });
  return out;
}

/** BIO tags of `spans` over `length` units. */
export function spansToBio(spans: readonly EntitySpan[], length: number): string[] {
  const tags = Array<string>(length).fill('O');
  for (const s of spans) for (let i = s.start; i < s.end; i++) tags[i] = `${i === s.start ? 'B' : 'I'}-${s.type}`;
  return tags;
}

/** Reads and checks a NER JSONL file (span or BIO rows; one format per file). */
export function readNerFile(path: string): NerDataset {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new Bert4tfjsError(`${path}: cannot read the NER file`, 'missing-file');
  }
  const examples: NerExample[] = [];
  let format: 'spans' | 'bio' | null = null;
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    let row: Record<string, unknown>;
    try {
      row = JSON.parse(raw);
    } catch {
      return fail(path, line, 'not valid JSON');
    }
    const rowFormat = 'tokens' in row ? 'bio' : 'text' in row ? 'spans' : null;
    if (rowFormat === null) return fail(path, line, 'expected {"text","entities"} or {"tokens","tags"}');
    if (format !== null && rowFormat !== format) fail(path, line, `mixes ${rowFormat} rows into a ${format} file`);
    format = rowFormat;
    if (rowFormat === 'spans') {
      if (typeof row.text !== 'string') return fail(path, line, '"text" must be a string');
      const entities = row.entities ?? [];
      if (!Array.isArray(entities)) return fail(path, line, '"entities" must be an array');
      const units = [...row.text];
      examples.push({ line, units, entities: checkSpans(entities as EntitySpan[], units.length, path, line) });
    } else {
      const { tokens, tags } = row as { tokens: unknown; tags: unknown };
      if (!Array.isArray(tokens) || !tokens.every((t) => typeof t === 'string'))
        return fail(path, line, '"tokens" must be an array of strings');
      if (!Array.isArray(tags) || tags.length !== tokens.length)
        return fail(path, line, `"tags" must be an array as long as "tokens" (${tokens.length})`);
      examples.push({ line, units: tokens as string[], entities: bioToSpans(tags as string[], path, line) });
    }
  });
  if (examples.length === 0 || format === null) throw new Bert4tfjsError(`${path}: no examples`, 'bad-input');
  return { path, format, examples };
}
