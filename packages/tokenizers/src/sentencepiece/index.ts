/** SentencePiece (T5/mT5, XLNet, UER...): `.model` parsing, normalization, unigram/BPE encoding, decoding. */
export {
  SentencePieceTokenizer,
  type SentencePieceTokenizerOptions,
  type SentencePieceEncodeOptions,
  type SentencePieceBatchOptions,
} from './tokenizer.ts';
export { SentencePieceModel, type DecodablePiece } from './model.ts';
export { SentencePieceNormalizer, type SentencePieceNormalizerOptions } from './normalizer.ts';
export type { SentencePieceBatch, SentencePiecePadding } from './batch.ts';
export {
  SentencePieceType,
  SentencePieceModelType,
  decodeModelProto,
  encodeModelProto,
  type SentencePieceTypeId,
  type SentencePieceEntry,
  type SentencePieceTrainerSpec,
  type SentencePieceNormalizerSpec,
  type SentencePieceModelProto,
} from './proto.ts';
