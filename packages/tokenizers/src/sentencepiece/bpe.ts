/**
 * BPE-model segmentation as sentencepiece does it: start from characters (user-defined symbols whole and
 * frozen), repeatedly merge the adjacent pair whose concatenation is the highest-scoring piece (leftmost on
 * ties), then split any UNUSED result back into the pieces it was merged from.
 */
import { SentencePieceType, type SentencePieceEntry } from './proto.ts';
import type { Segment } from './unigram.ts';

interface Candidate {
  left: number;
  right: number;
  score: number;
  /** Length of the merged text when queued; a different length later means the entry is stale. */
  size: number;
}

/** Max-heap of merge candidates: higher score first, then smaller left index. */
class CandidateHeap {
  private readonly items: Candidate[] = [];
  get size(): number {
    return this.items.length;
  }
  private before(a: Candidate, b: Candidate): boolean {
    return a.score > b.score || (a.score === b.score && a.left < b.left);
  }
  push(c: Candidate): void {
    const items = this.items;
    items.push(c);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(items[i], items[parent])) break;
      [items[i], items[parent]] = [items[parent], items[i]];
      i = parent;
    }
  }
  pop(): Candidate {
    const items = this.items;
    const top = items[0];
    const last = items.pop() as Candidate;
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < items.length && this.before(items[l], items[best])) best = l;
        if (r < items.length && this.before(items[r], items[best])) best = r;
        if (best === i) break;
        [items[i], items[best]] = [items[best], items[i]];
        i = best;
      }
    }
    return top;
  }
}

/** BPE segmenter over one model's pieces. */
export class BpeSegmenter {
  private readonly ids = new Map<string, number>();
  private readonly scores: Float32Array;
  private readonly types: Uint8Array;
  /** User-defined symbols, longest first, matched whole and never merged further. */
  private readonly userDefined: string[];

  /**
   * @param pieces the model's pieces, in id order.
   * @param unkId id of symbols that are not pieces.
   */
  constructor(
    pieces: readonly SentencePieceEntry[],
    private readonly unkId: number,
  ) {
    this.scores = Float32Array.from(pieces, (p) => p.score);
    this.types = Uint8Array.from(pieces, (p) => p.type);
    pieces.forEach((p, id) => {
      if (
        p.type === SentencePieceType.NORMAL ||
        p.type === SentencePieceType.USER_DEFINED ||
        p.type === SentencePieceType.UNUSED
      ) {
        if (!this.ids.has(p.piece)) this.ids.set(p.piece, id);
      }
    });
    this.userDefined = pieces
      .filter((p) => p.type === SentencePieceType.USER_DEFINED)
      .map((p) => p.piece)
      .sort((a, b) => b.length - a.length);
  }

  /** Segments a normalized string. */
  segment(normalized: string): Segment[] {
    if (normalized.length === 0) return [];
    const text: string[] = [];
    const frozen: boolean[] = [];
    for (let i = 0; i < normalized.length; ) {
      const sym = this.userDefined.find((u) => normalized.startsWith(u, i));
      const len = sym ? sym.length : (normalized.codePointAt(i) as number) > 0xffff ? 2 : 1;
      text.push(normalized.slice(i, i + len));
      frozen.push(sym !== undefined);
      i += len;
    }
    const n = text.length;
    const prev = Array.from({ length: n }, (_, i) => i - 1);
    const next = Array.from({ length: n }, (_, i) => (i + 1 < n ? i + 1 : -1));
    // How UNUSED merged pieces were formed, to undo them at the end.
    const unmerge = new Map<string, [string, string]>();
    const heap = new CandidateHeap();

    const consider = (left: number, right: number): void => {
      if (left < 0 || right < 0 || frozen[left] || frozen[right]) return;
      const merged = text[left] + text[right];
      const id = this.ids.get(merged);
      if (id === undefined) return;
      heap.push({ left, right, score: this.scores[id], size: merged.length });
      if (this.types[id] === SentencePieceType.UNUSED) unmerge.set(merged, [text[left], text[right]]);
    };
    for (let i = 1; i < n; i++) consider(i - 1, i);

    while (heap.size > 0) {
      const top = heap.pop();
      const l = text[top.left];
      const r = text[top.right];
      if (l === '' || r === '' || l.length + r.length !== top.size) continue; // stale entry
      text[top.left] = l + r;
      text[top.right] = '';
      next[top.left] = next[top.right];
      if (next[top.right] >= 0) prev[next[top.right]] = top.left;
      consider(prev[top.left], top.left);
      consider(top.left, next[top.left]);
    }

    const out: Segment[] = [];
    const emit = (piece: string): void => {
      const id = this.ids.get(piece);
      const parts = id !== undefined && this.types[id] === SentencePieceType.UNUSED ? unmerge.get(piece) : undefined;
      if (parts) {
        emit(parts[0]);
        emit(parts[1]);
      } else {
        out.push({ piece, id: id ?? this.unkId });
      }
    };
    for (let i = 0; i !== -1; i = next[i]) emit(text[i]);
    return out;
  }
}
