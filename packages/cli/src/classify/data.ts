/**
 * Text-classification files: JSONL `{"text", "label"}` (single-label), `{"text", "labels": [...]}`
 * (multi-label, told apart by the key), soft labels as `{"label": p}` maps under either key, or TSV
 * `text<TAB>label`. Errors name the file and line.
 */
import { existsSync, readFileSync } from 'node:fs';
import { Bert4tfjsError } from '@bert4tfjs/core';

/** One example: its text and its target over the label set (one-hot, multi-hot or soft). */
export interface ClassifyExample {
  text: string;
  /** Label name -> weight in [0, 1] (1 for a hard label). */
  labels: Map<string, number>;
  /** 1-based line in the source file. */
  line: number;
}

/** A loaded file. */
export interface ClassifyDataset {
  path: string;
  /** True when the file uses the `labels` key (several labels per text). */
  multiLabel: boolean;
  examples: ClassifyExample[];
}

function labelMap(where: string, v: unknown, multi: boolean): Map<string, number> {
  const m = new Map<string, number>();
  const add = (name: unknown, p: unknown) => {
    if (typeof name !== 'string' && typeof name !== 'number')
      throw new Bert4tfjsError(
        `${where}: a label must be a string or number, got ${JSON.stringify(name)}`,
        'bad-input',
      );
    if (typeof p !== 'number' || !(p >= 0 && p <= 1))
      throw new Bert4tfjsError(
        `${where}: label '${name}' has weight ${JSON.stringify(p)}, expected a number in [0, 1]`,
        'bad-input',
      );
    m.set(String(name), p);
  };
  if (multi && Array.isArray(v)) for (const x of v) add(x, 1);
  else if (v !== null && typeof v === 'object' && !Array.isArray(v))
    for (const [k, p] of Object.entries(v as Record<string, unknown>)) add(k, p);
  else if (!multi) add(v, 1);
  else throw new Bert4tfjsError(`${where}: 'labels' must be an array of names or a {name: p} map`, 'bad-input');
  if (!multi) {
    const total = [...m.values()].reduce((a, b) => a + b, 0);
    if (Math.abs(total - 1) > 1e-6)
      throw new Bert4tfjsError(`${where}: single-label soft weights must sum to 1, got ${total}`, 'bad-input');
  }
  return m;
}

/** Reads a classification file (.jsonl/.json lines, or .tsv/.txt `text<TAB>label`). */
export function readClassifyFile(path: string): ClassifyDataset {
  if (!existsSync(path)) throw new Bert4tfjsError(`data file not found: ${path}`, 'missing-file');
  const lines = readFileSync(path, 'utf8')
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/);
  const examples: ClassifyExample[] = [];
  const tsv = /\.(tsv|txt)$/i.test(path);
  let multi: boolean | null = tsv ? false : null;
  lines.forEach((raw, i) => {
    if (raw.trim() === '') return;
    const where = `${path}:${i + 1}`;
    let text: unknown;
    let labels: Map<string, number>;
    if (tsv) {
      const cells = raw.split('\t');
      if (cells.length !== 2)
        throw new Bert4tfjsError(`${where}: expected text<TAB>label, found ${cells.length} columns`, 'bad-input');
      text = cells[0];
      labels = labelMap(where, cells[1].trim(), false);
    } else {
      let row: Record<string, unknown>;
      try {
        row = JSON.parse(raw);
      } catch (e) {
        throw new Bert4tfjsError(`${where}: not JSON (${(e as Error).message})`, 'bad-input');
      }
      const isMulti = 'labels' in row;
      if (!isMulti && !('label' in row))
        throw new Bert4tfjsError(
          `${where}: expected a 'label' (single-label) or 'labels' (multi-label) key`,
          'bad-input',
        );
      if (multi !== null && multi !== isMulti)
        throw new Bert4tfjsError(
          `${where}: mixes 'label' and 'labels' rows; a file is single-label or multi-label`,
          'bad-input',
        );
      multi = isMulti;
      text = row.text;
      labels = labelMap(where, isMulti ? row.labels : row.label, isMulti);
    }
    if (typeof text !== 'string' || text.trim() === '')
      throw new Bert4tfjsError(`${where}: 'text' must be a non-empty string`, 'bad-input');
    examples.push({ text: text.trim(), labels, line: i + 1 });
  });
  if (examples.length === 0) throw new Bert4tfjsError(`data file has no examples: ${path}`, 'empty-input');
  return { path, multiLabel: multi ?? false, examples };
}

/** Target vectors over `names` (the label order of the model). */
export function targetsOf(examples: readonly ClassifyExample[], names: readonly string[], path: string): number[][] {
  const index = new Map(names.map((n, i) => [n, i]));
  return examples.map((e) => {
    const t = new Array(names.length).fill(0);
    for (const [name, p] of e.labels) {
      const k = index.get(name);
      if (k === undefined)
        throw new Bert4tfjsError(`${path}:${e.line}: label '${name}' does not occur in the training file`, 'bad-input');
      t[k] = p;
    }
    return t;
  });
}
