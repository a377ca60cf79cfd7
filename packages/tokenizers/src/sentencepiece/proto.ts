/**
 * The subset of sentencepiece's `ModelProto` (sentencepiece_model.proto, proto2) that encoding and decoding
 * need, declared in code for protobufjs. Fields we do not declare are skipped by the decoder, so newer
 * model files with extra fields still load.
 */
import protobuf from 'protobufjs';
import { TokenizerError } from '../wordpiece/errors.ts';

/** Piece types, numbered as in sentencepiece_model.proto. */
export const SentencePieceType = {
  NORMAL: 1,
  UNKNOWN: 2,
  CONTROL: 3,
  USER_DEFINED: 4,
  UNUSED: 5,
  BYTE: 6,
} as const;
/** One of the {@link SentencePieceType} numbers. */
export type SentencePieceTypeId = (typeof SentencePieceType)[keyof typeof SentencePieceType];

/** Model types, numbered as in sentencepiece_model.proto. */
export const SentencePieceModelType = { UNIGRAM: 1, BPE: 2, WORD: 3, CHAR: 4 } as const;

/** One vocabulary entry. */
export interface SentencePieceEntry {
  piece: string;
  score: number;
  type: SentencePieceTypeId;
}

/** The trainer settings that matter after training (ids of specials, model type, byte fallback...). */
export interface SentencePieceTrainerSpec {
  modelType: number;
  vocabSize: number;
  unkId: number;
  bosId: number;
  eosId: number;
  padId: number;
  unkPiece: string;
  bosPiece: string;
  eosPiece: string;
  padPiece: string;
  unkSurface: string;
  byteFallback: boolean;
  treatWhitespaceAsSuffix: boolean;
  splitDigits: boolean;
}

/** How text is normalized before segmentation. */
export interface SentencePieceNormalizerSpec {
  name: string;
  /** Serialized Darts double-array trie + replacement strings; empty when the rule is 'identity'. */
  precompiledCharsmap: Uint8Array;
  addDummyPrefix: boolean;
  removeExtraWhitespaces: boolean;
  escapeWhitespaces: boolean;
}

/** A parsed `.model` file. */
export interface SentencePieceModelProto {
  pieces: SentencePieceEntry[];
  trainerSpec: SentencePieceTrainerSpec;
  normalizerSpec: SentencePieceNormalizerSpec;
}

// Field numbers and defaults follow sentencepiece_model.proto; the defaults matter because proto2 omits
// fields that equal them.
const SCHEMA = {
  nested: {
    ModelProto: {
      fields: {
        pieces: { rule: 'repeated', type: 'SentencePiece', id: 1 },
        trainerSpec: { type: 'TrainerSpec', id: 2 },
        normalizerSpec: { type: 'NormalizerSpec', id: 3 },
      },
      nested: {
        SentencePiece: {
          fields: {
            piece: { type: 'string', id: 1 },
            score: { type: 'float', id: 2 },
            type: { type: 'int32', id: 3, options: { default: 1 } },
          },
        },
      },
    },
    TrainerSpec: {
      fields: {
        modelType: { type: 'int32', id: 3, options: { default: 1 } },
        vocabSize: { type: 'int32', id: 4, options: { default: 8000 } },
        treatWhitespaceAsSuffix: { type: 'bool', id: 24, options: { default: false } },
        splitDigits: { type: 'bool', id: 25, options: { default: false } },
        byteFallback: { type: 'bool', id: 35, options: { default: false } },
        unkId: { type: 'int32', id: 40, options: { default: 0 } },
        bosId: { type: 'int32', id: 41, options: { default: 1 } },
        eosId: { type: 'int32', id: 42, options: { default: 2 } },
        padId: { type: 'int32', id: 43, options: { default: -1 } },
        unkSurface: { type: 'string', id: 44, options: { default: ' \u2047 ' } },
        unkPiece: { type: 'string', id: 45, options: { default: '<unk>' } },
        bosPiece: { type: 'string', id: 46, options: { default: '<s>' } },
        eosPiece: { type: 'string', id: 47, options: { default: '</s>' } },
        padPiece: { type: 'string', id: 48, options: { default: '<pad>' } },
      },
    },
    NormalizerSpec: {
      fields: {
        name: { type: 'string', id: 1 },
        precompiledCharsmap: { type: 'bytes', id: 2 },
        addDummyPrefix: { type: 'bool', id: 3, options: { default: true } },
        removeExtraWhitespaces: { type: 'bool', id: 4, options: { default: true } },
        escapeWhitespaces: { type: 'bool', id: 5, options: { default: true } },
      },
    },
  },
};

let modelType: protobuf.Type | undefined;

/** The protobufjs type of `ModelProto` (built once). */
export function modelProtoType(): protobuf.Type {
  modelType ??= protobuf.Root.fromJSON(SCHEMA).lookupType('ModelProto');
  return modelType;
}

const VALID_TYPES = new Set<number>(Object.values(SentencePieceType));

/**
 * Decodes the bytes of a `.model` file. `source` names the file in error messages.
 * @throws TokenizerError when the bytes are not a complete ModelProto (corrupt or truncated file).
 */
export function decodeModelProto(bytes: Uint8Array, source: string): SentencePieceModelProto {
  let raw: RawModel;
  try {
    // Decoded messages answer absent proto2 fields from their prototype, i.e. with the schema defaults.
    raw = modelProtoType().decode(bytes) as unknown as RawModel;
  } catch (err) {
    throw new TokenizerError(
      `${source}: not a valid SentencePiece model (protobuf ModelProto), the file is corrupt or truncated: ${(err as Error).message}`,
    );
  }
  // A file cut at a field boundary still decodes; the specs come after the pieces, so check they are there.
  const { pieces, trainerSpec: t, normalizerSpec: n } = raw;
  if (!pieces || pieces.length === 0) {
    throw new TokenizerError(
      `${source}: not a valid SentencePiece model: it has no pieces (corrupt or truncated file?)`,
    );
  }
  if (!t || !n) {
    throw new TokenizerError(
      `${source}: not a valid SentencePiece model: ${t ? 'normalizer_spec' : 'trainer_spec'} is missing (corrupt or truncated file?)`,
    );
  }
  const entries = new Array<SentencePieceEntry>(pieces.length);
  for (let i = 0; i < pieces.length; i++) {
    const { piece, score, type } = pieces[i];
    if (!piece) throw new TokenizerError(`${source}: piece ${i} is empty; every piece must have text`);
    if (!VALID_TYPES.has(type)) throw new TokenizerError(`${source}: piece ${i} (${piece}) has unknown type ${type}`);
    entries[i] = { piece, score, type: type as SentencePieceTypeId };
  }
  return {
    pieces: entries,
    trainerSpec: {
      modelType: t.modelType,
      vocabSize: t.vocabSize,
      unkId: t.unkId,
      bosId: t.bosId,
      eosId: t.eosId,
      padId: t.padId,
      unkPiece: t.unkPiece,
      bosPiece: t.bosPiece,
      eosPiece: t.eosPiece,
      padPiece: t.padPiece,
      unkSurface: t.unkSurface,
      byteFallback: t.byteFallback,
      treatWhitespaceAsSuffix: t.treatWhitespaceAsSuffix,
      splitDigits: t.splitDigits,
    },
    normalizerSpec: {
      name: n.name,
      precompiledCharsmap: n.precompiledCharsmap ?? new Uint8Array(0),
      addDummyPrefix: n.addDummyPrefix,
      removeExtraWhitespaces: n.removeExtraWhitespaces,
      escapeWhitespaces: n.escapeWhitespaces,
    },
  };
}

/** What protobufjs hands back for our schema (message fields are null when absent). */
interface RawModel {
  pieces: Array<{ piece: string; score: number; type: number }>;
  trainerSpec: SentencePieceTrainerSpec | null;
  normalizerSpec: SentencePieceNormalizerSpec | null;
}

/** Serializes a model (for building small models in tests or tools); fields left out take proto defaults. */
export function encodeModelProto(model: {
  pieces: SentencePieceEntry[];
  trainerSpec?: Partial<SentencePieceTrainerSpec>;
  normalizerSpec?: Partial<SentencePieceNormalizerSpec>;
}): Uint8Array {
  const type = modelProtoType();
  return type.encode(type.fromObject({ trainerSpec: {}, normalizerSpec: {}, ...model })).finish();
}
