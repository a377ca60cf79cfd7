/**
 * Finds every piece that starts at a position of a string, shortest first, stopping as soon as no piece
 * can continue. Stored as one Map from each prefix of each piece to the piece id (-1 for a bare prefix):
 * V8 hashes string keys fast, and this builds much quicker than a node-per-character trie.
 */

/** Prefix index from piece text to piece id. */
export class PieceTrie {
  private readonly prefixes = new Map<string, number>();

  /** Adds `piece` with `id`; a piece already present keeps its first id. */
  add(piece: string, id: number): void {
    const known = this.prefixes.get(piece);
    if (known !== undefined && known >= 0) return;
    this.prefixes.set(piece, id);
    if (known !== undefined) return; // its prefixes are already in
    for (let len = piece.length - 1; len > 0; len--) {
      const prefix = piece.slice(0, len);
      if (this.prefixes.has(prefix)) break; // so are all shorter ones
      this.prefixes.set(prefix, -1);
    }
  }

  /**
   * Calls `visit(end, id)` for each piece that is a prefix of `text.slice(start)`, shortest first
   * (`end` is the code-unit offset just past the piece).
   */
  forEachPrefix(text: string, start: number, visit: (end: number, id: number) => void): void {
    for (let end = start + 1; end <= text.length; end++) {
      const id = this.prefixes.get(text.slice(start, end));
      if (id === undefined) return;
      if (id >= 0) visit(end, id);
    }
  }
}
