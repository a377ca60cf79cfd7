/**
 * A trie of allowed output sequences, used as a decoding constraint so that every output is one of
 * a fixed set (bert4keras's "Seq2Seq + prefix tree" retrieval-by-generation trick).
 */
import { Bert4tfjsError } from '../errors.ts';
import type { Constraint } from './types.ts';

interface TrieNode {
  children: Map<number, TrieNode>;
  /** A whole sequence ends here, so the end id may follow. */
  terminal: boolean;
}

/** Options for {@link PrefixTree}. */
export interface PrefixTreeOptions {
  /** The id allowed after a complete sequence. Must not occur inside any sequence. */
  endId: number;
}

function isTokenId(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0;
}

/**
 * The set of allowed sequences as a trie. `allowedNext(prefix)` gives the ids that keep the prefix
 * inside the set (plus `endId` where a sequence is complete), so decoding with it as `constraint`
 * can only produce sequences from the set.
 */
export class PrefixTree implements Constraint {
  /** The id allowed after a complete sequence. */
  readonly endId: number;
  /** How many distinct sequences the tree holds. */
  readonly size: number;
  private readonly root: TrieNode = { children: new Map(), terminal: false };

  constructor(sequences: readonly (readonly number[])[], options: PrefixTreeOptions) {
    if (!Array.isArray(sequences)) {
      throw new Bert4tfjsError('PrefixTree: sequences must be an array of token-id arrays', 'bad-argument');
    }
    if (!options || !isTokenId(options.endId)) {
      throw new Bert4tfjsError(
        `PrefixTree: options.endId must be a non-negative integer, got ${String(options?.endId)}`,
        'bad-argument',
      );
    }
    this.endId = options.endId;
    let size = 0;
    sequences.forEach((seq, i) => {
      if (!Array.isArray(seq)) {
        throw new Bert4tfjsError(`PrefixTree: sequences[${i}] must be an array of token ids`, 'bad-argument');
      }
      let node = this.root;
      seq.forEach((id, j) => {
        if (!isTokenId(id)) {
          throw new Bert4tfjsError(
            `PrefixTree: sequences[${i}][${j}] must be a non-negative integer, got ${String(id)}`,
            'bad-argument',
          );
        }
        if (id === this.endId) {
          throw new Bert4tfjsError(
            `PrefixTree: sequences[${i}][${j}] is the end id ${id}; sequences must not contain it`,
            'bad-argument',
          );
        }
        let child = node.children.get(id);
        if (!child) {
          child = { children: new Map(), terminal: false };
          node.children.set(id, child);
        }
        node = child;
      });
      if (!node.terminal) size++;
      node.terminal = true;
    });
    this.size = size;
  }

  private find(prefix: readonly number[]): TrieNode | undefined {
    let node: TrieNode | undefined = this.root;
    for (const id of prefix) {
      node = node.children.get(id);
      if (!node) return undefined;
    }
    return node;
  }

  /**
   * The ids that may follow `prefix`, ascending, with `endId` included when `prefix` is itself one
   * of the sequences. Empty when `prefix` leads outside the tree.
   */
  allowedNext(prefix: readonly number[]): number[] {
    const node = this.find(prefix);
    if (!node) return [];
    const next = [...node.children.keys()];
    if (node.terminal) next.push(this.endId);
    return next.sort((a, b) => a - b);
  }

  /** Whether `sequence` is one of the sequences in the tree. */
  has(sequence: readonly number[]): boolean {
    return this.find(sequence)?.terminal ?? false;
  }
}
