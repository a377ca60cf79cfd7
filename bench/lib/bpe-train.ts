/**
 * A small byte-level BPE trainer for the benchmarks: learns merges from sentences, so the GPT-2 tokenizer
 * row runs on a realistic vocabulary with nothing downloaded. Classic BPE: start from the 256 byte
 * symbols, repeatedly merge the most frequent adjacent pair (ties: the smaller pair key), with pair counts
 * updated only in the words holding the merged pair and a max-heap with lazy deletion to find the best.
 */
import { BYTE_TO_CHAR, gpt2PreTokenize, type MergeRule } from '@bert4tfjs/tokenizers';

/** A trained vocabulary: token -> id (bytes 0..255 first, then merges in order) and the merges. */
export interface TrainedBpe {
  vocab: Map<string, number>;
  merges: MergeRule[];
}

/** Pairs of symbol ids (< 2^16) packed into one number. */
const SHIFT = 65536;

/** A binary max-heap of (count, pair) entries; stale entries are skipped when popped. */
class PairHeap {
  private counts: number[] = [];
  private pairs: number[] = [];

  push(count: number, pair: number): void {
    const { counts, pairs } = this;
    let i = counts.length;
    counts.push(count);
    pairs.push(pair);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.above(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  /** The top entry, removed; undefined when empty. */
  pop(): { count: number; pair: number } | undefined {
    const { counts, pairs } = this;
    if (counts.length === 0) return undefined;
    const top = { count: counts[0], pair: pairs[0] };
    const lastCount = counts.pop()!;
    const lastPair = pairs.pop()!;
    if (counts.length > 0) {
      counts[0] = lastCount;
      pairs[0] = lastPair;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < counts.length && this.above(l, m)) m = l;
        if (r < counts.length && this.above(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }

  private above(i: number, j: number): boolean {
    return this.counts[i] > this.counts[j] || (this.counts[i] === this.counts[j] && this.pairs[i] < this.pairs[j]);
  }

  private swap(i: number, j: number): void {
    [this.counts[i], this.counts[j]] = [this.counts[j], this.counts[i]];
    [this.pairs[i], this.pairs[j]] = [this.pairs[j], this.pairs[i]];
  }
}

/** Learns up to `maxMerges` merges (pairs seen at least twice) from `texts`. */
export function trainByteLevelBpe(texts: readonly string[], maxMerges: number): TrainedBpe {
  if (maxMerges + 256 >= SHIFT) throw new Error(`trainByteLevelBpe: at most ${SHIFT - 257} merges`);
  const encoder = new TextEncoder();
  const symbols: string[] = [...BYTE_TO_CHAR];
  const pieceCounts = new Map<string, number>();
  for (const t of texts) for (const p of gpt2PreTokenize(t)) pieceCounts.set(p, (pieceCounts.get(p) ?? 0) + 1);
  const words: number[][] = [];
  const freq: number[] = [];
  for (const [piece, n] of pieceCounts) {
    words.push([...encoder.encode(piece)]);
    freq.push(n);
  }
  const pairCount = new Map<number, number>();
  const pairWords = new Map<number, Set<number>>();
  const changed = new Set<number>();
  const bump = (a: number, b: number, by: number, w: number): void => {
    const k = a * SHIFT + b;
    pairCount.set(k, (pairCount.get(k) ?? 0) + by);
    changed.add(k);
    if (by > 0) {
      const set = pairWords.get(k);
      if (set) set.add(w);
      else pairWords.set(k, new Set([w]));
    }
  };
  words.forEach((word, w) => {
    for (let i = 0; i + 1 < word.length; i++) bump(word[i], word[i + 1], freq[w], w);
  });
  const heap = new PairHeap();
  for (const [k, n] of pairCount) heap.push(n, k);
  changed.clear();
  const merges: MergeRule[] = [];
  while (merges.length < maxMerges) {
    const top = heap.pop();
    if (!top || top.count < 2) break;
    if (pairCount.get(top.pair) !== top.count) continue; // stale entry
    const a = Math.floor(top.pair / SHIFT);
    const b = top.pair % SHIFT;
    const merged = symbols.length;
    symbols.push(symbols[a] + symbols[b]);
    merges.push({ a: symbols[a], b: symbols[b] });
    for (const w of pairWords.get(top.pair) ?? []) {
      const word = words[w];
      const f = freq[w];
      const next: number[] = [];
      // Only the pairs around each merged occurrence change (the word so far is `next`).
      for (let i = 0; i < word.length; i++) {
        if (i + 1 < word.length && word[i] === a && word[i + 1] === b) {
          if (next.length > 0) {
            const prev = next[next.length - 1];
            bump(prev, a, -f, w);
            bump(prev, merged, f, w);
          }
          if (i + 2 < word.length) {
            bump(b, word[i + 2], -f, w);
            bump(merged, word[i + 2], f, w);
          }
          next.push(merged);
          i++;
        } else next.push(word[i]);
      }
      words[w] = next;
    }
    pairCount.delete(top.pair);
    pairWords.delete(top.pair);
    changed.delete(top.pair);
    for (const k of changed) {
      const n = pairCount.get(k) ?? 0;
      if (n > 0) heap.push(n, k);
    }
    changed.clear();
  }
  const vocab = new Map<string, number>();
  for (const s of symbols) if (!vocab.has(s)) vocab.set(s, vocab.size);
  return { vocab, merges };
}
