/**
 * Unigram-model segmentation: the best-scoring split of a normalized string into pieces (Viterbi), as
 * sentencepiece's optimized unigram encoder computes it, including its float32 arithmetic and tie-breaking
 * (earlier candidates win ties), so results match the reference id for id.
 */
import { SentencePieceType, type SentencePieceEntry } from './proto.ts';
import { PieceTrie } from './trie.ts';

/** A piece of a segmentation: its text and id (unknown characters carry the unk id). */
export interface Segment {
  piece: string;
  id: number;
}

/** sentencepiece's penalty below the lowest piece score for an unknown character. */
const UNK_PENALTY = 10;
/** FLT_MIN: sentencepiece seeds the maximum score with it, so user-defined bonuses are ~0 when all scores are < 0. */
const FLT_MIN = 1.1754943508222875e-38;

const utf8 = new TextEncoder();

/** Unigram segmenter over one model's NORMAL, USER_DEFINED and UNUSED pieces. */
export class UnigramSegmenter {
  private readonly trie = new PieceTrie();
  private readonly scores: Float32Array;
  private readonly types: Uint8Array;
  private readonly unkScore: number;
  private readonly maxScore: number;

  /**
   * @param pieces the model's pieces, in id order.
   * @param unkId id given to characters no piece covers.
   */
  constructor(
    pieces: readonly SentencePieceEntry[],
    private readonly unkId: number,
  ) {
    this.scores = Float32Array.from(pieces, (p) => p.score);
    this.types = Uint8Array.from(pieces, (p) => p.type);
    let min = Infinity;
    let max = FLT_MIN;
    for (let id = 0; id < pieces.length; id++) {
      const { piece, score, type } = pieces[id];
      if (type === SentencePieceType.NORMAL) {
        if (score < min) min = score;
        if (score > max) max = score;
      }
      if (
        type === SentencePieceType.NORMAL ||
        type === SentencePieceType.USER_DEFINED ||
        type === SentencePieceType.UNUSED
      ) {
        this.trie.add(piece, id);
      }
    }
    if (min === Infinity) min = 0;
    this.unkScore = Math.fround(Math.fround(min) - UNK_PENALTY);
    this.maxScore = Math.fround(max);
  }

  /** Segments a normalized string; consecutive unknown characters come back as separate segments. */
  segment(normalized: string): Segment[] {
    const size = normalized.length;
    if (size === 0) return [];
    // Indexed by code-unit offset; only offsets on code-point boundaries are ever filled.
    const bestScore = new Float64Array(size + 1);
    const bestStart = new Int32Array(size + 1).fill(-1);
    const bestId = new Int32Array(size + 1);
    let start = 0;
    let here = 0;
    let hasSingle = false;
    let charEnd = 0;
    const visit = (end: number, id: number): void => {
      const type = this.types[id];
      if (type === SentencePieceType.UNUSED) return;
      // User-defined symbols get a bonus so they always win; sentencepiece computes this one in double.
      const score =
        type === SentencePieceType.USER_DEFINED
          ? Math.fround(utf8.encode(normalized.slice(start, end)).length * this.maxScore) - 0.1
          : this.scores[id];
      const candidate = score + here;
      if (bestStart[end] === -1 || candidate > bestScore[end]) {
        bestScore[end] = Math.fround(candidate);
        bestStart[end] = start;
        bestId[end] = id;
      }
      if (end === charEnd) hasSingle = true;
    };
    while (start < size) {
      here = bestScore[start];
      hasSingle = false;
      charEnd = start + ((normalized.codePointAt(start) as number) > 0xffff ? 2 : 1);
      this.trie.forEachPrefix(normalized, start, visit);
      if (!hasSingle) {
        const candidate = Math.fround(this.unkScore + here);
        if (bestStart[charEnd] === -1 || candidate > bestScore[charEnd]) {
          bestScore[charEnd] = candidate;
          bestStart[charEnd] = start;
          bestId[charEnd] = this.unkId;
        }
      }
      start = charEnd;
    }

    const out: Segment[] = [];
    for (let end = size; end > 0; end = bestStart[end]) {
      out.push({ piece: normalized.slice(bestStart[end], end), id: bestId[end] });
    }
    return out.reverse();
  }
}
