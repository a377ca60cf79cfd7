/**
 * BPE merges: the ranked symbol pairs of a `vocab.bpe` (OpenAI) / `merges.txt` (Hugging Face) file, and
 * the merge loop that turns one pre-token's byte symbols into vocabulary tokens.
 */
import { TokenizerError } from '../wordpiece/errors.ts';

/** One merge rule: symbols `a` and `b`, adjacent, become `a + b`. Lower rank = applied first. */
export interface MergeRule {
  a: string;
  b: string;
}

/**
 * Parses a merges file: an optional `#version` first line, then one `a b` pair per line in rank order.
 * Blank lines are skipped, so a file without a trailing newline keeps its last merge (OpenAI's loader,
 * `split('\n')[1:-1]`, would drop it). `source` names the file in errors.
 */
export function parseMerges(text: string, source = 'merges'): MergeRule[] {
  const lines = text.split('\n');
  const rules: MergeRule[] = [];
  lines.forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (i === 0 && line.startsWith('#version')) return;
    if (line.trim() === '') return;
    const parts = line.split(' ');
    if (parts.length !== 2 || !parts[0] || !parts[1]) {
      throw new TokenizerError(
        `${source}:${i + 1}: expected a merge "A B" (two symbols separated by one space), got ${JSON.stringify(line)}`,
      );
    }
    rules.push({ a: parts[0], b: parts[1] });
  });
  return rules;
}

/**
 * The merge table over integer symbol ids: every string that occurs in a merge (or is a byte symbol) gets
 * an id, so the loop compares numbers instead of building pair strings.
 */
export class MergeTable {
  /** Symbol string -> symbol id. */
  private readonly ids = new Map<string, number>();
  /** Symbol id -> string. */
  readonly symbols: string[] = [];
  /** Per left symbol id: right symbol id -> rank of the merge of that pair. */
  private readonly pairs: Array<Map<number, number> | undefined> = [];
  /** Rank -> id of the merged symbol. */
  private readonly results: Int32Array;

  /** @param rules merges in rank order; a pair listed twice keeps its last rank, as the reference does. */
  constructor(rules: readonly MergeRule[], alphabet: readonly string[]) {
    for (const s of alphabet) this.symbolId(s);
    this.results = new Int32Array(rules.length);
    rules.forEach((r, rank) => {
      const left = this.symbolId(r.a);
      const right = this.symbolId(r.b);
      this.results[rank] = this.symbolId(r.a + r.b);
      let row = this.pairs[left];
      if (!row) this.pairs[left] = row = new Map();
      row.set(right, rank);
    });
  }

  /** Number of merge rules. */
  get size(): number {
    return this.results.length;
  }

  /** The id of a symbol, added when new. */
  symbolId(symbol: string): number {
    let id = this.ids.get(symbol);
    if (id === undefined) {
      id = this.symbols.length;
      this.ids.set(symbol, id);
      this.symbols.push(symbol);
    }
    return id;
  }

  /** The id of a symbol, or undefined. */
  lookup(symbol: string): number | undefined {
    return this.ids.get(symbol);
  }

  /**
   * Applies the merges to a word given as symbol ids, in place: repeatedly take the adjacent pair of
   * lowest rank and merge every non-overlapping occurrence of it, left to right, until no pair is ranked.
   * Returns the resulting length.
   */
  apply(word: Int32Array, length: number): number {
    let n = length;
    const { pairs, results } = this;
    while (n > 1) {
      let bestRank = -1;
      for (let i = 0; i + 1 < n; i++) {
        const rank = pairs[word[i]]?.get(word[i + 1]);
        if (rank !== undefined && (bestRank < 0 || rank < bestRank)) bestRank = rank;
      }
      if (bestRank < 0) break;
      const merged = results[bestRank];
      let out = 0;
      for (let i = 0; i < n; i++) {
        if (i + 1 < n && pairs[word[i]]?.get(word[i + 1]) === bestRank) {
          word[out++] = merged;
          i++;
        } else {
          word[out++] = word[i];
        }
      }
      n = out;
    }
    return n;
  }
}
