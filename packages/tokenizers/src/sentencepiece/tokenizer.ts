/**
 * The user-facing SentencePiece tokenizer (T5/mT5, XLNet, UER...): text <-> ids over a `.model` file, T5
 * sentinels `<extra_id_N>`, optional `</s>`, and Hugging Face-style padded batches.
 */
import { TokenizerError } from '../wordpiece/errors.ts';
import { padSentencePieceBatch, type SentencePieceBatch, type SentencePiecePadding } from './batch.ts';
import { SentencePieceModel, type DecodablePiece } from './model.ts';
import { SentencePieceType } from './proto.ts';

/** Options of {@link SentencePieceTokenizer.fromFile}. */
export interface SentencePieceTokenizerOptions {
  /**
   * Number of T5 sentinels `<extra_id_0>`..`<extra_id_{N-1}>` appended after the model's pieces, in reverse
   * order as T5 does: `<extra_id_k>` has id `vocabSize - 1 - k`. Default 0.
   */
  extraIds?: number;
  /** Append the eos id (`</s>` for T5) to every encoding. Default false. */
  addEos?: boolean;
}

/** Per-call options of {@link SentencePieceTokenizer.encode}. */
export interface SentencePieceEncodeOptions {
  /** Overrides the tokenizer's `addEos` for this call. */
  addEos?: boolean;
}

/** Options of the batch {@link SentencePieceTokenizer.call}. */
export interface SentencePieceBatchOptions extends SentencePieceEncodeOptions {
  /** `true`/`'longest'`: pad to the longest row; `'max_length'`: to `maxLength`; `false` (default): no padding. */
  padding?: SentencePiecePadding;
  /** Length budget (eos included) for truncation and for padding 'max_length'. */
  maxLength?: number;
  /** Cut rows longer than `maxLength`, keeping the eos. Default: true when `maxLength` is given. */
  truncation?: boolean;
}

const SENTINEL = /<extra_id_(\d+)>/g;
const SENTINEL_PIECE = /^\u2581?<extra_id_(\d+)>$/;

/** Tokenizer over one SentencePiece model, plus optional T5 sentinels. */
export class SentencePieceTokenizer {
  /** The underlying model (vocabulary, normalizer, segmenter). */
  readonly model: SentencePieceModel;
  /** Number of `<extra_id_N>` sentinels after the model's pieces. */
  readonly extraIds: number;
  /** Whether `encode` appends the eos id by default. */
  readonly addEos: boolean;

  /**
   * @param model a loaded model.
   * @param options sentinels and eos behaviour.
   * @throws TokenizerError on a bad `extraIds`, or `addEos` with a model that has no eos piece.
   */
  constructor(model: SentencePieceModel, options: SentencePieceTokenizerOptions = {}) {
    const extraIds = options.extraIds ?? 0;
    if (!Number.isInteger(extraIds) || extraIds < 0) {
      throw new TokenizerError(
        `${model.source}: extraIds must be a non-negative integer, got ${String(options.extraIds)}`,
      );
    }
    this.model = model;
    this.extraIds = extraIds;
    this.addEos = options.addEos ?? false;
    if (this.addEos) this.requireEos('addEos');
  }

  /** Loads a `.model` file. @throws TokenizerError naming the file when it is missing, corrupt or truncated. */
  static fromFile(path: string, options: SentencePieceTokenizerOptions = {}): SentencePieceTokenizer {
    return new SentencePieceTokenizer(SentencePieceModel.fromFile(path), options);
  }

  /** Builds a tokenizer from the bytes of a `.model` file; `source` names it in errors. */
  static fromBytes(
    bytes: Uint8Array,
    options: SentencePieceTokenizerOptions & { source?: string } = {},
  ): SentencePieceTokenizer {
    return new SentencePieceTokenizer(SentencePieceModel.fromBytes(bytes, options.source), options);
  }

  /** Model pieces plus sentinels. */
  get vocabSize(): number {
    return this.model.size + this.extraIds;
  }
  /** Id of the pad piece, -1 when the model has none. */
  get padId(): number {
    return this.model.padId;
  }
  /** Id of the eos piece (`</s>`), -1 when the model has none. */
  get eosId(): number {
    return this.model.eosId;
  }
  /** Id of the unknown piece. */
  get unkId(): number {
    return this.model.unkId;
  }
  /** Id of the bos piece (`<s>`), -1 when the model has none. */
  get bosId(): number {
    return this.model.bosId;
  }

  /** Id of sentinel `<extra_id_n>`. @throws TokenizerError when n is not below `extraIds`. */
  sentinelId(n: number): number {
    if (!Number.isInteger(n) || n < 0 || n >= this.extraIds) {
      throw new TokenizerError(
        `sentinelId(${n}): this tokenizer has sentinels <extra_id_0>..<extra_id_${this.extraIds - 1}> (extraIds=${this.extraIds})`,
      );
    }
    return this.vocabSize - 1 - n;
  }

  /** Text to ids. `<extra_id_N>` (N < extraIds) becomes its sentinel id; the text between is encoded on its own. */
  encode(text: string, options: SentencePieceEncodeOptions = {}): number[] {
    return this.encodeBoth(text, options).map((t) => t.id);
  }

  /** Text to pieces (sentinels as `<extra_id_N>`). */
  encodeAsPieces(text: string, options: SentencePieceEncodeOptions = {}): string[] {
    return this.encodeBoth(text, options).map((t) => t.piece);
  }

  /**
   * Ids to text, as sentencepiece decodes: control pieces (pad, eos...) vanish, unknown ids read " ⁇ ".
   * @throws TokenizerError naming the first id outside 0..vocabSize-1.
   */
  decode(ids: readonly number[]): string {
    const pieces: DecodablePiece[] = ids.map((id) => {
      this.checkId(id, 'decode');
      if (id >= this.model.size)
        return { piece: `\u2581<extra_id_${this.vocabSize - 1 - id}>`, type: SentencePieceType.USER_DEFINED };
      return this.model.proto.pieces[id];
    });
    return this.model.decode(pieces);
  }

  /** The piece of an id (sentinels as `<extra_id_N>`). @throws TokenizerError when out of range. */
  idToPiece(id: number): string {
    this.checkId(id, 'idToPiece');
    if (id >= this.model.size) return `<extra_id_${this.vocabSize - 1 - id}>`;
    return this.model.proto.pieces[id].piece;
  }

  /** The id of a piece; unknown pieces give the unk id, as sentencepiece does. */
  pieceToId(piece: string): number {
    const m = SENTINEL_PIECE.exec(piece);
    if (m && Number(m[1]) < this.extraIds) return this.sentinelId(Number(m[1]));
    return this.model.lookup(piece) ?? this.model.unkId;
  }

  /**
   * Encodes a batch like a Hugging Face tokenizer call: optional eos, truncation to `maxLength` (the eos
   * kept last), right padding with the pad id; the mask is 1 for tokens and 0 for padding.
   */
  call(texts: readonly string[], options: SentencePieceBatchOptions = {}): SentencePieceBatch {
    const { maxLength } = options;
    if (maxLength !== undefined && (!Number.isInteger(maxLength) || maxLength < 1)) {
      throw new TokenizerError(
        `call(texts, { maxLength }): maxLength must be a positive integer, got ${String(maxLength)}`,
      );
    }
    const addEos = options.addEos ?? this.addEos;
    const truncation = options.truncation ?? maxLength !== undefined;
    const rows = texts.map((text) => {
      const ids = this.encode(text, { addEos: false });
      if (truncation && maxLength !== undefined) {
        const budget = addEos ? maxLength - 1 : maxLength;
        if (ids.length > budget) ids.length = budget;
      }
      if (addEos) ids.push(this.requireEos('call(texts, { addEos })'));
      return ids;
    });
    return padSentencePieceBatch(rows, options.padding ?? false, this.padId, maxLength);
  }

  private encodeBoth(text: string, options: SentencePieceEncodeOptions): Array<{ piece: string; id: number }> {
    if (typeof text !== 'string') throw new TokenizerError(`encode(text): text must be a string, got ${typeof text}`);
    const out: Array<{ piece: string; id: number }> = [];
    let from = 0;
    if (this.extraIds > 0) {
      for (const m of text.matchAll(SENTINEL)) {
        const n = Number(m[1]);
        if (n >= this.extraIds) continue; // not a sentinel of this vocabulary: plain text
        out.push(...this.model.encode(text.slice(from, m.index)));
        out.push({ piece: m[0], id: this.sentinelId(n) });
        from = (m.index as number) + m[0].length;
      }
    }
    out.push(...this.model.encode(text.slice(from)));
    if (options.addEos ?? this.addEos) {
      const eos = this.requireEos('addEos');
      out.push({ piece: this.model.proto.pieces[eos].piece, id: eos });
    }
    return out;
  }

  private requireEos(where: string): number {
    if (this.model.eosId < 0)
      throw new TokenizerError(`${this.model.source}: ${where} needs an eos piece, but the model defines none`);
    return this.model.eosId;
  }

  private checkId(id: number, where: string): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
      throw new TokenizerError(`${where}: id ${String(id)} is out of range; valid ids are 0..${this.vocabSize - 1}`);
    }
  }
}
