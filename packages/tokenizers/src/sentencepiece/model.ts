/**
 * A loaded SentencePiece model: vocabulary, special ids, normalizer and segmenter, with encoding to
 * (piece, id) pairs and decoding of pieces back to text, both following sentencepiece's processor.
 */
import { tokenizerFiles } from '../files.ts';
import { TokenizerError } from '../wordpiece/errors.ts';
import { BpeSegmenter } from './bpe.ts';
import { decodeBytePieces } from './bytes.ts';
import { SentencePieceNormalizer, SPACE_SYMBOL } from './normalizer.ts';
import {
  decodeModelProto,
  SentencePieceModelType,
  SentencePieceType,
  type SentencePieceModelProto,
  type SentencePieceTypeId,
} from './proto.ts';
import { UnigramSegmenter, type Segment } from './unigram.ts';

/** A piece to decode: its text and type (ids are resolved by the caller, so extra pieces can join in). */
export interface DecodablePiece {
  piece: string;
  type: SentencePieceTypeId;
}

const BYTE_PIECE = /^<0x([0-9A-F]{2})>$/;
const utf8 = new TextEncoder();

/** Vocabulary plus the encode/decode machinery of one `.model` file. */
export class SentencePieceModel {
  /** The parsed ModelProto. */
  readonly proto: SentencePieceModelProto;
  /** File name (or other label) used in error messages. */
  readonly source: string;
  /** Id of the UNKNOWN piece. */
  readonly unkId: number;
  /** Id of the bos / eos / pad pieces, -1 when the model has none. */
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;
  readonly normalizer: SentencePieceNormalizer;
  private readonly segmenter: { segment(normalized: string): Segment[] };
  private readonly ids = new Map<string, number>();
  /** Id of each `<0xNN>` piece, when the model has byte fallback. */
  private readonly byteIds: Int32Array | null;

  /**
   * @param proto a decoded ModelProto.
   * @param source names the model in error messages.
   * @throws TokenizerError when the model is inconsistent (no unk piece, duplicate pieces, unsupported type).
   */
  constructor(proto: SentencePieceModelProto, source: string) {
    this.proto = proto;
    this.source = source;
    const { pieces, trainerSpec } = proto;
    const unk = pieces.flatMap((p, i) => (p.type === SentencePieceType.UNKNOWN ? [i] : []));
    if (unk.length !== 1) {
      throw new TokenizerError(`${source}: a SentencePiece model needs exactly one UNKNOWN piece, found ${unk.length}`);
    }
    this.unkId = unk[0];
    // Reserved (control/unknown/byte) pieces shadow normal ones of the same text, as in sentencepiece.
    const isNormal = (type: number): boolean =>
      type === SentencePieceType.NORMAL || type === SentencePieceType.USER_DEFINED || type === SentencePieceType.UNUSED;
    for (const pass of [false, true]) {
      pieces.forEach((p, i) => {
        if (isNormal(p.type) !== pass) return;
        const other = this.ids.get(p.piece);
        if (other === undefined) this.ids.set(p.piece, i);
        else if (isNormal(this.proto.pieces[other].type) === pass) {
          throw new TokenizerError(`${source}: piece "${p.piece}" (id ${i}) is defined twice`);
        }
      });
    }

    this.bosId = this.specialId(trainerSpec.bosPiece, trainerSpec.bosId);
    this.eosId = this.specialId(trainerSpec.eosPiece, trainerSpec.eosId);
    this.padId = this.specialId(trainerSpec.padPiece, trainerSpec.padId);

    this.byteIds = trainerSpec.byteFallback ? this.collectByteIds() : null;
    this.normalizer = new SentencePieceNormalizer(proto.normalizerSpec, {
      treatWhitespaceAsSuffix: trainerSpec.treatWhitespaceAsSuffix,
      userDefinedSymbols: pieces.filter((p) => p.type === SentencePieceType.USER_DEFINED).map((p) => p.piece),
      source,
    });
    if (trainerSpec.modelType === SentencePieceModelType.UNIGRAM) {
      this.segmenter = new UnigramSegmenter(pieces, this.unkId);
    } else if (trainerSpec.modelType === SentencePieceModelType.BPE) {
      this.segmenter = new BpeSegmenter(pieces, this.unkId);
    } else {
      const name =
        Object.entries(SentencePieceModelType).find(([, v]) => v === trainerSpec.modelType)?.[0] ??
        String(trainerSpec.modelType);
      throw new TokenizerError(`${source}: model_type ${name} is not supported; expected UNIGRAM or BPE`);
    }
  }

  /** Reads and parses a `.model` file. */
  static fromFile(path: string): SentencePieceModel {
    let bytes: Uint8Array;
    try {
      bytes = tokenizerFiles('SentencePieceModel.fromFile').readBytes(path);
    } catch (err) {
      throw new TokenizerError(`${path}: cannot read SentencePiece model: ${(err as Error).message}`);
    }
    return SentencePieceModel.fromBytes(bytes, path);
  }

  /** Parses the bytes of a `.model` file; `source` names it in errors. */
  static fromBytes(bytes: Uint8Array, source = 'SentencePiece model'): SentencePieceModel {
    return new SentencePieceModel(decodeModelProto(bytes, source), source);
  }

  /** Number of pieces in the model. */
  get size(): number {
    return this.proto.pieces.length;
  }

  /** Id of `piece`, or undefined when the model lacks it. */
  lookup(piece: string): number | undefined {
    return this.ids.get(piece);
  }

  /** Normalizes and segments `text`. Runs of unknown characters become one unk piece, or byte pieces with byte fallback. */
  encode(text: string): Segment[] {
    const segments = this.segmenter.segment(this.normalizer.normalize(text));
    const out: Segment[] = [];
    let prevUnk = false;
    for (const seg of segments) {
      const isUnk = seg.id === this.unkId;
      if (isUnk && this.byteIds) {
        for (const b of utf8.encode(seg.piece))
          out.push({ piece: this.proto.pieces[this.byteIds[b]].piece, id: this.byteIds[b] });
      } else if (isUnk && prevUnk) {
        out[out.length - 1].piece += seg.piece;
      } else {
        out.push({ ...seg });
      }
      prevUnk = isUnk;
    }
    return out;
  }

  /**
   * Joins pieces into text as sentencepiece's decoder does: control pieces vanish, unk becomes the unk
   * surface, byte pieces are gathered into UTF-8, U+2581 becomes a space and the leading dummy space goes.
   */
  decode(pieces: readonly DecodablePiece[]): string {
    const { normalizerSpec, trainerSpec } = this.proto;
    const stripLeading = normalizerSpec.addDummyPrefix || normalizerSpec.removeExtraWhitespaces;
    let text = '';
    let atStart = true; // still expecting the dummy-prefix space
    let sawLeadingSpace = false;
    let bytes: number[] = [];
    const flush = (): void => {
      if (bytes.length > 0) text += decodeBytePieces(bytes);
      bytes = [];
    };
    for (const { piece, type } of pieces) {
      if (type === SentencePieceType.BYTE) {
        const m = BYTE_PIECE.exec(piece);
        if (m) {
          bytes.push(parseInt(m[1], 16));
          continue;
        }
      }
      flush();
      if (sawLeadingSpace || text.length > 0) atStart = false;
      sawLeadingSpace = false;
      if (type === SentencePieceType.CONTROL) continue;
      if (type === SentencePieceType.UNKNOWN) {
        text += trainerSpec.unkSurface;
        continue;
      }
      let body = piece;
      if (atStart && stripLeading && body.startsWith(SPACE_SYMBOL)) {
        body = body.slice(SPACE_SYMBOL.length);
        // With remove_extra_whitespaces every leading space goes, so keep expecting one.
        sawLeadingSpace = !normalizerSpec.removeExtraWhitespaces;
      }
      text += body.replaceAll(SPACE_SYMBOL, ' ');
    }
    flush();
    return text;
  }

  /** sentencepiece resolves specials by piece text (must be a control piece); fall back to the trainer's id. */
  private specialId(piece: string, trainerId: number): number {
    const id = this.ids.get(piece);
    if (id !== undefined && this.proto.pieces[id].type === SentencePieceType.CONTROL) return id;
    if (trainerId >= 0 && trainerId < this.size && this.proto.pieces[trainerId].type === SentencePieceType.CONTROL)
      return trainerId;
    return -1;
  }

  private collectByteIds(): Int32Array {
    const ids = new Int32Array(256).fill(-1);
    this.proto.pieces.forEach((p, i) => {
      const m = p.type === SentencePieceType.BYTE ? BYTE_PIECE.exec(p.piece) : null;
      if (m) ids[parseInt(m[1], 16)] = i;
    });
    const missing = ids.indexOf(-1);
    if (missing >= 0) {
      const hex = missing.toString(16).toUpperCase().padStart(2, '0');
      throw new TokenizerError(
        `${this.source}: byte_fallback is on but byte piece <0x${hex}> is missing; expected all 256`,
      );
    }
    return ids;
  }
}
