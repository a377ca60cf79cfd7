/**
 * The BERT WordPiece tokenizer: text -> tokens / ids with exact offsets, pair encoding with truncation,
 * batch calls with padding, and decoding. Behaviour matches Hugging Face's slow `BertTokenizer`.
 */
import { basicTokenize, normalizeText, type BasicOptions, type BasicToken } from './basic.ts';
import {
  checkMaxLength,
  padBatch,
  truncatePair,
  type PaddedBatch,
  type PaddingStrategy,
  type TruncationStrategy,
} from './encoding.ts';
import { TokenizerError } from './errors.ts';
import { rematchTokens, type Offset, type OwnTokens } from './rematch.ts';
import { loadVocab, parseVocabText, vocabFromTokens, type Vocab, type VocabOptions } from './vocab.ts';
import { maxStemLength, wordPiece, type Piece, type WordPieceVocab } from './wordpiece.ts';

/** Constructor options of {@link Tokenizer}. */
export interface TokenizerOptions {
  /** Lower-case and strip accents (uncased / Chinese BERT). Default true. */
  lowercase?: boolean;
  unkToken?: string;
  clsToken?: string;
  sepToken?: string;
  padToken?: string;
  maskToken?: string;
  /** Extra special tokens kept whole when written in the text (as a whitespace-delimited word). */
  specialTokens?: string[];
  /** A word longer than this (in code points) becomes the unknown token. Default 100. */
  maxInputCharsPerWord?: number;
  /**
   * Splits text into words first (e.g. jieba for WoBERT). A word found in the vocab (after normalization)
   * is one token; any other word goes through the basic + WordPiece path. Each word is located in the
   * original text in order, so offsets stay exact; a word that cannot be found there gets null offsets.
   */
  preTokenize?: (text: string) => string[];
}

/** Options of {@link Tokenizer.fromVocabFile}: tokenizer options plus vocabulary loading options. */
export type FromVocabFileOptions = TokenizerOptions & VocabOptions;

/** Options of {@link Tokenizer.encode}. */
export interface EncodeOptions {
  /** Total length budget including [CLS]/[SEP]. */
  maxLength?: number;
  /** Strategy when over `maxLength`; default 'longest_first'; false keeps everything. */
  truncation?: TruncationStrategy | boolean;
}

/** The result of {@link Tokenizer.encode}. */
export interface Encoding {
  tokens: string[];
  inputIds: number[];
  /** 0 for [CLS], the first text and its [SEP]; 1 for the second text and the final [SEP]. */
  tokenTypeIds: number[];
  /**
   * UTF-16 [start, end) spans; a span indexes into the FIRST text where `tokenTypeIds[i] === 0` and into the
   * SECOND text where it is 1. Null for the added [CLS]/[SEP].
   */
  offsets: Offset[];
}

/** Options of the batch {@link Tokenizer.call}. */
export interface BatchOptions {
  /** Second texts, one per first text. */
  textPair?: string[];
  /** Default false (ragged rows). */
  padding?: PaddingStrategy;
  /** Default: true when `maxLength` is given (as Hugging Face does), else false. */
  truncation?: boolean | TruncationStrategy;
  /** Length budget for truncation and for padding 'max_length'; with truncation and no maxLength, 512. */
  maxLength?: number;
}

/** The main WordPiece tokenizer (BERT, RoBERTa-zh, WoBERT with `preTokenize`). */
export class Tokenizer {
  readonly lowercase: boolean;
  readonly unkToken: string;
  readonly clsToken: string;
  readonly sepToken: string;
  readonly padToken: string;
  readonly maskToken: string;
  /** With a simplified vocab: original ids of the kept tokens in new-id order; else null. */
  readonly keepTokens: number[] | null;
  readonly #vocab: string[];
  readonly #ids: Map<string, number>;
  readonly #wp: WordPieceVocab;
  readonly #basic: BasicOptions;
  readonly #maxChars: number;
  readonly #preTokenize: ((text: string) => string[]) | undefined;
  readonly #specialIds: Set<number>;
  readonly #textless: Set<string>;
  /** Word (its normalized characters joined) -> its pieces; texts repeat words, and pieces are never mutated. */
  readonly #pieceCache = new Map<string, readonly Piece[]>();

  /**
   * @param vocab token strings in id order, or a loaded {@link Vocab}.
   * @throws TokenizerError when the unknown, [CLS], [SEP] or [PAD] token is missing from the vocab.
   */
  constructor(vocab: string[] | Vocab, options: TokenizerOptions = {}) {
    const v = Array.isArray(vocab) ? vocabFromTokens(vocab) : vocab;
    this.#vocab = v.vocab;
    this.#ids = v.tokenToId;
    this.keepTokens = v.keepTokens;
    this.lowercase = options.lowercase ?? true;
    this.unkToken = options.unkToken ?? '[UNK]';
    this.clsToken = options.clsToken ?? '[CLS]';
    this.sepToken = options.sepToken ?? '[SEP]';
    this.padToken = options.padToken ?? '[PAD]';
    this.maskToken = options.maskToken ?? '[MASK]';
    for (const [name, t] of [
      ['unkToken', this.unkToken],
      ['clsToken', this.clsToken],
      ['sepToken', this.sepToken],
      ['padToken', this.padToken],
    ]) {
      if (!this.#ids.has(t))
        throw new TokenizerError(
          `Tokenizer: ${name} ${JSON.stringify(t)} is not in the vocabulary (expected the vocab to hold it, or pass options.${name})`,
        );
    }
    this.#maxChars = options.maxInputCharsPerWord ?? 100;
    if (!Number.isInteger(this.#maxChars) || this.#maxChars < 1) {
      throw new TokenizerError(
        `Tokenizer: options.maxInputCharsPerWord must be a positive integer, got ${String(options.maxInputCharsPerWord)}`,
      );
    }
    const ids = this.#ids;
    this.#wp = { has: (t) => ids.has(t), maxStemChars: maxStemLength(this.#vocab) };
    const specials = [
      this.unkToken,
      this.clsToken,
      this.sepToken,
      this.padToken,
      this.maskToken,
      ...(options.specialTokens ?? []),
    ];
    this.#basic = { lowercase: this.lowercase, specials: new Set(specials) };
    this.#specialIds = new Set(specials.filter((t) => ids.has(t)).map((t) => ids.get(t) as number));
    this.#textless = new Set([this.clsToken, this.sepToken, this.padToken]);
    this.#preTokenize = options.preTokenize;
  }

  /** Loads `vocab.txt` and builds a tokenizer (see {@link loadVocab} for `simplified` / `startsWith`). */
  static fromVocabFile(path: string, options: FromVocabFileOptions = {}): Tokenizer {
    return new Tokenizer(loadVocab(path, { simplified: options.simplified, startsWith: options.startsWith }), options);
  }

  /**
   * Builds a tokenizer from the text of a `vocab.txt` (fetched in a web page, or read any other way);
   * `where` names it in errors.
   */
  static fromVocabText(text: string, options: FromVocabFileOptions & { where?: string } = {}): Tokenizer {
    const vocab = parseVocabText(text, options.where ?? 'vocab.txt', {
      simplified: options.simplified,
      startsWith: options.startsWith,
    });
    return new Tokenizer(vocab, options);
  }

  /** Number of tokens in the vocabulary. */
  get vocabSize(): number {
    return this.#vocab.length;
  }
  get unkTokenId(): number {
    return this.#ids.get(this.unkToken) as number;
  }
  get clsTokenId(): number {
    return this.#ids.get(this.clsToken) as number;
  }
  get sepTokenId(): number {
    return this.#ids.get(this.sepToken) as number;
  }
  get padTokenId(): number {
    return this.#ids.get(this.padToken) as number;
  }
  /** Undefined when the vocab has no mask token. */
  get maskTokenId(): number | undefined {
    return this.#ids.get(this.maskToken);
  }

  /** The id of a token, or the unknown token's id when it is not in the vocab (as bert4keras / HF). */
  tokenToId(token: string): number {
    return this.#ids.get(token) ?? this.unkTokenId;
  }

  /** The token of an id. @throws TokenizerError when `id` is not an integer in [0, vocabSize). */
  idToToken(id: number): string {
    if (!Number.isInteger(id) || id < 0 || id >= this.#vocab.length) {
      throw new TokenizerError(
        `idToToken(id): ${String(id)} is not a token id (expected an integer in [0, ${this.#vocab.length}))`,
      );
    }
    return this.#vocab[id];
  }

  /** Splits text into WordPiece tokens (no [CLS]/[SEP]). Never throws on any string. */
  tokenize(text: string): string[] {
    return this.#own(text).tokens;
  }

  /** Tokens with UTF-16 offsets into `text` (null for a piece that covers no character of its own). */
  tokenizeWithOffsets(text: string): { tokens: string[]; offsets: Offset[] } {
    const own = this.#own(text);
    return { tokens: own.tokens, offsets: own.offsets };
  }

  /**
   * UTF-16 [start, end) spans into `text` for each token (null for [CLS]/[SEP]/[PAD] and tokens with no
   * text). For an ordinary token, `normalizeText(text.slice(start, end))` equals the token without `##`.
   * `tokens` may be this tokenizer's output for `text`, with or without added [CLS]/[SEP] or truncation.
   */
  rematch(text: string, tokens: string[]): Offset[] {
    return rematchTokens(tokens, this.#own(text), this.clsToken, this.#textless);
  }

  /** Converts tokens to ids (unknown tokens map to the [UNK] id). */
  convertTokensToIds(tokens: string[]): number[] {
    return tokens.map((t) => this.tokenToId(t));
  }

  /**
   * `[CLS] first [SEP]` or `[CLS] first [SEP] second [SEP]`, truncated to `maxLength` when given.
   * A text far longer than `maxLength` is truncated, never an error.
   */
  encode(first: string, second?: string, options: EncodeOptions = {}): Encoding {
    const a = this.#own(first);
    const b = second === undefined ? null : this.#own(second);
    const specials = b === null ? 2 : 3;
    // Truncation keeps a prefix of each side, so only the kept lengths matter.
    let na = a.tokens.length;
    let nb = b === null ? 0 : b.tokens.length;
    const strategy =
      options.truncation === undefined || options.truncation === true ? 'longest_first' : options.truncation;
    if (options.maxLength !== undefined && strategy !== false) {
      checkMaxLength(options.maxLength, specials, 'encode(first, second, { maxLength })');
      if (na + nb > options.maxLength - specials) {
        const [ra, rb] = truncatePair(
          a.tokens.map((_, i) => i),
          b === null ? null : b.tokens.map((_, i) => i),
          options.maxLength - specials,
          strategy,
        );
        na = ra.length;
        nb = rb === null ? 0 : rb.length;
      }
    }
    const out: Encoding = { tokens: [this.clsToken], inputIds: [], tokenTypeIds: [0], offsets: [null] };
    const add = (own: OwnTokens, n: number, type: number): void => {
      for (let i = 0; i < n; i++) {
        out.tokens.push(own.tokens[i]);
        out.tokenTypeIds.push(type);
        out.offsets.push(own.offsets[i]);
      }
      out.tokens.push(this.sepToken);
      out.tokenTypeIds.push(type);
      out.offsets.push(null);
    };
    add(a, na, 0);
    if (b !== null) add(b, nb, 1);
    out.inputIds = this.convertTokensToIds(out.tokens);
    return out;
  }

  /**
   * Batch encoding like Hugging Face's `tokenizer(texts, text_pair=..., padding=..., truncation=...,
   * max_length=...)`. Pads on the right with the [PAD] id.
   */
  call(texts: string[], options: BatchOptions = {}): PaddedBatch {
    const pairs = options.textPair;
    if (pairs !== undefined && pairs.length !== texts.length) {
      throw new TokenizerError(
        `call(texts, { textPair }): textPair has ${pairs.length} entries but texts has ${texts.length} (expected one second text per first text)`,
      );
    }
    const truncation = options.truncation ?? options.maxLength !== undefined;
    const maxLength = options.maxLength ?? (truncation !== false ? 512 : undefined);
    const rows = texts.map((t, i) =>
      this.encode(t, pairs?.[i], { maxLength: truncation === false ? undefined : maxLength, truncation }),
    );
    return padBatch(rows, options.padding ?? false, this.padTokenId, maxLength);
  }

  /**
   * Ids back to text as Hugging Face does: tokens joined by spaces, `##` pieces merged, then its clean-up
   * of spaces before punctuation and in English contractions.
   * @throws TokenizerError when an id is not in [0, vocabSize).
   */
  decode(ids: number[], options: { skipSpecialTokens?: boolean; cleanUpSpaces?: boolean } = {}): string {
    const tokens: string[] = [];
    ids.forEach((id, i) => {
      if (!Number.isInteger(id) || id < 0 || id >= this.#vocab.length) {
        throw new TokenizerError(
          `decode(ids): ids[${i}] = ${String(id)} is not a token id (expected an integer in [0, ${this.#vocab.length}))`,
        );
      }
      if (!(options.skipSpecialTokens && this.#specialIds.has(id))) tokens.push(this.#vocab[id]);
    });
    let text = tokens.join(' ').replaceAll(' ##', '').trim();
    if (options.cleanUpSpaces ?? true) {
      for (const [from, to] of CLEAN_UP) text = text.replaceAll(from, to);
    }
    return text;
  }

  /** Tokens and offsets of one text, through `preTokenize` when set. */
  #own(text: string): OwnTokens {
    const s = typeof text === 'string' ? text : String(text ?? '');
    const own: OwnTokens = { tokens: [], offsets: [], basic: [] };
    const prev = { end: 0 };
    if (this.#preTokenize === undefined) {
      this.#pieces(basicTokenize(s, this.#basic), own, prev);
      return own;
    }
    const words = this.#preTokenize(s);
    if (!Array.isArray(words)) {
      throw new TokenizerError(`Tokenizer: options.preTokenize must return an array of strings, got ${typeof words}`);
    }
    let cursor = 0;
    for (const word of words) {
      if (typeof word !== 'string' || word.length === 0) continue;
      const at = s.indexOf(word, cursor);
      // A word the function rewrote cannot be located: tokenize it alone, without offsets.
      const basic = at < 0 ? basicTokenize(word, this.#basic) : basicTokenize(s, this.#basic, at, at + word.length);
      const key = normalizeText(word, this.lowercase);
      const whole = key.length > 0 && !key.includes(' ') && !key.startsWith('##') && this.#ids.has(key);
      if (at >= 0) cursor = at + word.length;
      if (whole) {
        own.tokens.push(key);
        own.offsets.push(at < 0 ? null : [at, at + word.length]);
        own.basic.push(...basic);
        prev.end = Math.max(prev.end, cursor);
      } else if (at < 0) {
        const detached: OwnTokens = { tokens: [], offsets: [], basic: [] };
        this.#pieces(basic, detached, { end: 0 });
        own.tokens.push(...detached.tokens);
        own.offsets.push(...detached.tokens.map(() => null));
      } else {
        this.#pieces(basic, own, prev);
      }
    }
    return own;
  }

  /** {@link wordPiece} of one word's characters, memoized per word. */
  #wordPieces(chars: string[]): readonly Piece[] {
    const key = chars.length === 1 ? chars[0] : chars.join('');
    let pieces = this.#pieceCache.get(key);
    if (pieces === undefined) {
      pieces = wordPiece(chars, this.#wp, this.unkToken, this.#maxChars);
      if (this.#pieceCache.size >= PIECE_CACHE_LIMIT) this.#pieceCache.clear();
      this.#pieceCache.set(key, pieces);
    }
    return pieces;
  }

  /** WordPiece over basic tokens, appending tokens and offsets; `prev.end` keeps spans from overlapping. */
  #pieces(basic: BasicToken[], own: OwnTokens, prev: { end: number }): void {
    for (const b of basic) {
      own.basic.push(b);
      const pieces = b.special
        ? [{ token: this.#ids.has(b.chars[0]) ? b.chars[0] : this.unkToken, begin: 0, end: 1 }]
        : this.#wordPieces(b.chars);
      for (const p of pieces) {
        // A piece boundary inside one source character (e.g. a decomposed Hangul syllable) gives that
        // character to the earlier piece; a later piece left with nothing gets null.
        const start = Math.max(b.starts[p.begin], prev.end);
        const end = b.ends[p.end - 1];
        own.tokens.push(p.token);
        if (start < end) {
          own.offsets.push([start, end]);
          prev.end = end;
        } else {
          own.offsets.push(null);
        }
      }
    }
  }
}

/** Upper bound on cached words, so a stream of distinct words cannot grow memory without limit. */
const PIECE_CACHE_LIMIT = 100_000;
/** Hugging Face's `clean_up_tokenization` replacements, in its order. */
const CLEAN_UP: Array<[string, string]> = [
  [' .', '.'],
  [' ?', '?'],
  [' !', '!'],
  [' ,', ','],
  [" ' ", "'"],
  [" n't", "n't"],
  [" 'm", "'m"],
  [" 's", "'s"],
  [" 've", "'ve"],
  [" 're", "'re"],
];
