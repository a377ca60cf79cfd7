/**
 * The byte-level BPE tokenizer of GPT-2 (and RoBERTa, GPT2-ML, CDial-GPT...): OpenAI's encoder, token for
 * token. Text is split by GPT-2's regex, each piece's UTF-8 bytes become byte symbols, BPE merges them,
 * and the vocabulary gives ids. Every string encodes (given a byte-complete vocabulary) and decodes back.
 */
import { TokenizerError } from '../wordpiece/errors.ts';
import { BYTE_TO_CHAR, byteSymbolsToBytes, decodeUtf8, textToByteSymbols } from './byte-level.ts';
import { MergeTable, type MergeRule } from './merges.ts';
import { GPT2_SPLIT_PATTERN } from './pretokenize.ts';
import { findBpeFiles, readBpeMerges, readBpeVocab } from './vocab-files.ts';

/** Options of {@link ByteLevelBpeTokenizer}. */
export interface ByteLevelBpeOptions {
  /**
   * Token that stands in for tokens missing from the vocabulary (Hugging Face's `unk_token`). Default:
   * none, and a missing token is an error, as in OpenAI's encoder (a byte-complete vocabulary, as every
   * released GPT-2 has, never misses one).
   */
  unkToken?: string | null;
  /**
   * Tokens matched in the text before splitting and given their own id (e.g. `<|endoftext|>`). Default none:
   * OpenAI's encoder treats `<|endoftext|>` in the text as plain text.
   */
  specialTokens?: readonly string[];
  /** Names the vocabulary in errors. */
  source?: string;
}

/** One encoding with the UTF-16 span `[start, end)` of each token in the text. */
export interface BpeEncoding {
  ids: number[];
  /** Tokens in byte-symbol form (`Ġgive`). */
  tokens: string[];
  /**
   * Span of each token in the text. A token holding only part of a character's bytes (an emoji split in
   * two) spans the whole character.
   */
  offsets: Array<[number, number]>;
}

/** Words remembered per tokenizer before the cache is cleared (bounds memory on endless input). */
const CACHE_LIMIT = 100_000;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Byte-level BPE over a vocabulary (token -> id) and ranked merges. */
export class ByteLevelBpeTokenizer {
  /** Names the vocabulary in errors. */
  readonly source: string;
  /** Id of the unknown token, or -1. */
  readonly unkId: number;
  private readonly vocab: Map<string, number>;
  private readonly tokensById = new Map<number, string>();
  private readonly merges: MergeTable;
  /** Merge-table symbol id -> vocabulary id (-1: not in the vocabulary). */
  private readonly symbolToId: Int32Array;
  private readonly special: Map<string, number>;
  private readonly specialPattern: RegExp | null;
  /** Pre-token text -> ids (or a missing-token marker), so repeated words skip BPE. */
  private cache = new Map<string, Int32Array>();
  private word = new Int32Array(64);

  /**
   * @param vocab token -> id (tokens in byte-symbol form, as encoder.json / vocab.json hold them).
   * @param merges ranked merges (vocab.bpe / merges.txt, see `parseMerges`).
   * @throws TokenizerError when `unkToken` or a special token is not in the vocabulary.
   */
  constructor(
    vocab: ReadonlyMap<string, number> | Record<string, number>,
    merges: readonly MergeRule[],
    options: ByteLevelBpeOptions = {},
  ) {
    this.source = options.source ?? 'BPE vocabulary';
    this.vocab = vocab instanceof Map ? new Map(vocab) : new Map(Object.entries(vocab));
    for (const [token, id] of this.vocab) this.tokensById.set(id, token);
    this.merges = new MergeTable(merges, BYTE_TO_CHAR);
    this.symbolToId = Int32Array.from(this.merges.symbols, (s) => this.vocab.get(s) ?? -1);
    const unk = options.unkToken ?? null;
    this.unkId = unk === null ? -1 : this.requireToken(unk, 'unkToken');
    this.special = new Map((options.specialTokens ?? []).map((t) => [t, this.requireToken(t, 'specialTokens')]));
    // Longest first, so a special token that contains another wins.
    const specials = [...this.special.keys()].sort((a, b) => b.length - a.length);
    this.specialPattern = specials.length ? new RegExp(specials.map(escapeRegExp).join('|'), 'g') : null;
  }

  /** Loads `vocabPath` (encoder.json / vocab.json) and `mergesPath` (vocab.bpe / merges.txt). */
  static fromFiles(vocabPath: string, mergesPath: string, options: ByteLevelBpeOptions = {}): ByteLevelBpeTokenizer {
    return new ByteLevelBpeTokenizer(readBpeVocab(vocabPath), readBpeMerges(mergesPath), {
      source: vocabPath,
      ...options,
    });
  }

  /**
   * Loads the vocabulary of a directory holding `vocab.json` + `merges.txt` (Hugging Face) or
   * `encoder.json` + `vocab.bpe` (OpenAI). @throws TokenizerError naming the directory when it has neither.
   */
  static fromDir(dir: string, options: ByteLevelBpeOptions = {}): ByteLevelBpeTokenizer {
    const files = findBpeFiles(dir);
    if (!files) {
      throw new TokenizerError(
        `${dir}: no byte-level BPE vocabulary (expected vocab.json + merges.txt, or encoder.json + vocab.bpe)`,
      );
    }
    return ByteLevelBpeTokenizer.fromFiles(files.vocab, files.merges, options);
  }

  /** Number of vocabulary entries. */
  get vocabSize(): number {
    return this.vocab.size;
  }

  /** Number of merge rules. */
  get mergeCount(): number {
    return this.merges.size;
  }

  /** Id of a token (byte-symbol form), or undefined. */
  tokenToId(token: string): number | undefined {
    return this.vocab.get(token);
  }

  /** Whether `id` is in the vocabulary. */
  hasId(id: number): boolean {
    return this.tokensById.has(id);
  }

  /** Token (byte-symbol form) of an id. @throws TokenizerError when the id is not in the vocabulary. */
  idToToken(id: number): string {
    const t = this.tokensById.get(id);
    if (t === undefined) throw new TokenizerError(`${this.source}: id ${String(id)} is not in the vocabulary`);
    return t;
  }

  /** Text to ids. @throws TokenizerError naming the first token missing from the vocabulary (no unkToken). */
  encode(text: string): number[] {
    const ids: number[] = [];
    this.run(text, (piece, start, pieceIds) => {
      if (pieceIds === null) this.missing(piece, start);
      for (let i = 0; i < pieceIds.length; i++) ids.push(pieceIds[i]);
    });
    return ids;
  }

  /** Text to tokens in byte-symbol form; works with any vocabulary, tokens missing from it included. */
  tokenize(text: string): string[] {
    const tokens: string[] = [];
    this.run(text, (piece) => {
      for (const symbol of this.bpeSymbols(piece)) tokens.push(this.merges.symbols[symbol]);
    });
    return tokens;
  }

  /** Ids, tokens and the UTF-16 span of every token. */
  encodeWithOffsets(text: string): BpeEncoding {
    const out: BpeEncoding = { ids: [], tokens: [], offsets: [] };
    this.run(text, (piece, start, pieceIds, specialId) => {
      if (specialId !== undefined) {
        out.ids.push(specialId);
        out.tokens.push(piece);
        out.offsets.push([start, start + piece.length]);
        return;
      }
      if (pieceIds === null) this.missing(piece, start);
      const span = byteSpans(piece);
      let byte = 0;
      for (const symbol of this.bpeSymbols(piece)) {
        const token = this.merges.symbols[symbol];
        const id = this.symbolToId[symbol];
        out.ids.push(id >= 0 ? id : this.unkId);
        out.tokens.push(token);
        out.offsets.push([start + span.start[byte], start + span.end[byte + token.length - 1]]);
        byte += token.length;
      }
    });
    return out;
  }

  /**
   * Ids to text: the tokens' bytes as UTF-8, each invalid byte sequence (a character cut between ids)
   * read as U+FFFD. @throws TokenizerError naming the first id that is not in the vocabulary.
   */
  decode(ids: readonly number[]): string {
    let symbols = '';
    for (const id of ids) {
      const token = this.tokensById.get(id);
      if (token === undefined) {
        throw new TokenizerError(`decode: id ${String(id)} is not in the vocabulary of ${this.source}`);
      }
      symbols += this.special.has(token) ? textToByteSymbols(token) : token;
    }
    const bytes = byteSymbolsToBytes(symbols);
    if (!(bytes instanceof Uint8Array)) {
      throw new TokenizerError(
        `decode: ${this.source} has a token with character ${JSON.stringify(symbols[bytes.bad])}, which stands for no byte`,
      );
    }
    return decodeUtf8(bytes);
  }

  /**
   * Calls `visit` for every pre-token (or special token) of `text` with its UTF-16 start and its ids
   * (null when a token is missing from the vocabulary and there is no unk token).
   */
  private run(
    text: string,
    visit: (piece: string, start: number, ids: Int32Array | null, specialId?: number) => void,
  ): void {
    if (typeof text !== 'string') throw new TokenizerError(`encode(text): text must be a string, got ${typeof text}`);
    if (this.specialPattern) {
      let from = 0;
      for (const m of text.matchAll(this.specialPattern)) {
        const at = m.index as number;
        this.runPlain(text.slice(from, at), from, visit);
        visit(m[0], at, Int32Array.of(this.special.get(m[0])!), this.special.get(m[0])!);
        from = at + m[0].length;
      }
      this.runPlain(text.slice(from), from, visit);
    } else {
      this.runPlain(text, 0, visit);
    }
  }

  private runPlain(
    text: string,
    offset: number,
    visit: (piece: string, start: number, ids: Int32Array | null) => void,
  ): void {
    GPT2_SPLIT_PATTERN.lastIndex = 0;
    for (const m of text.matchAll(GPT2_SPLIT_PATTERN)) {
      const piece = m[0];
      let ids = this.cache.get(piece);
      if (ids === undefined) {
        ids = this.pieceIds(piece);
        if (this.cache.size >= CACHE_LIMIT) this.cache = new Map();
        this.cache.set(piece, ids);
      }
      visit(piece, offset + (m.index as number), ids.length > 0 && ids[0] === -1 ? null : ids);
    }
  }

  /** BPE of one pre-token as merge-table symbol ids. */
  private bpeSymbols(piece: string): Int32Array {
    const symbols = textToByteSymbols(piece);
    if (this.word.length < symbols.length) this.word = new Int32Array(symbols.length * 2);
    const word = this.word;
    for (let i = 0; i < symbols.length; i++) word[i] = this.merges.lookup(symbols[i])!;
    const n = this.merges.apply(word, symbols.length);
    return word.slice(0, n);
  }

  /** Vocabulary ids of one pre-token; `[-1]` when a token is missing and there is no unk token. */
  private pieceIds(piece: string): Int32Array {
    const symbols = this.bpeSymbols(piece);
    const ids = new Int32Array(symbols.length);
    for (let i = 0; i < symbols.length; i++) {
      const id = this.symbolToId[symbols[i]];
      if (id >= 0) ids[i] = id;
      else if (this.unkId >= 0) ids[i] = this.unkId;
      else return Int32Array.of(-1);
    }
    return ids;
  }

  private missing(piece: string, start: number): never {
    const token = [...this.bpeSymbols(piece)].map((s) => this.merges.symbols[s]).find((t) => !this.vocab.has(t));
    throw new TokenizerError(
      `encode: token ${JSON.stringify(token)} (of ${JSON.stringify(piece)} at offset ${start}) is not in the vocabulary of ${this.source}, and no unkToken is set`,
    );
  }

  private requireToken(token: string, option: string): number {
    const id = this.vocab.get(token);
    if (id === undefined)
      throw new TokenizerError(`${this.source}: ${option} ${JSON.stringify(token)} is not in the vocabulary`);
    return id;
  }
}

/**
 * For each byte of `piece`'s UTF-8 encoding, the UTF-16 start and end of the character it belongs to.
 * Lone surrogates count as U+FFFD's three bytes, as TextEncoder writes them.
 */
function byteSpans(piece: string): { start: number[]; end: number[] } {
  const start: number[] = [];
  const end: number[] = [];
  for (let i = 0; i < piece.length; ) {
    const cp = piece.codePointAt(i) as number;
    const units = cp > 0xffff ? 2 : 1;
    const bytes = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp <= 0xffff ? 3 : 4;
    for (let b = 0; b < bytes; b++) {
      start.push(i);
      end.push(i + units);
    }
    i += units;
  }
  return { start, end };
}
