/**
 * The two protobuf messages of a TensorBundle index: BundleHeaderProto (under key "") and
 * BundleEntryProto (one per tensor), decoded and encoded with protobufjs from a schema defined here.
 */
import protobuf from 'protobufjs';
import { Bert4tfjsError } from '../../errors.ts';

// Field numbers follow tensorflow/core/protobuf/tensor_bundle.proto, tensor_shape.proto,
// tensor_slice.proto and versions.proto. `dtype` is declared int32 (wire-identical to the DataType
// enum) so an unknown enum value arrives as its number and can be reported.
const SCHEMA = `
syntax = "proto3";
package tensorflow;
message VersionDef { int32 producer = 1; int32 min_consumer = 2; repeated int32 bad_consumers = 3; }
message BundleHeaderProto {
  enum Endianness { LITTLE = 0; BIG = 1; }
  int32 num_shards = 1;
  Endianness endianness = 2;
  VersionDef version = 3;
}
message TensorShapeProto {
  message Dim { int64 size = 1; string name = 2; }
  repeated Dim dim = 2;
  bool unknown_rank = 3;
}
message TensorSliceProto {
  message Extent { int64 start = 1; oneof has_length { int64 length = 2; } }
  repeated Extent extent = 1;
}
message BundleEntryProto {
  int32 dtype = 1;
  TensorShapeProto shape = 2;
  int32 shard_id = 3;
  int64 offset = 4;
  int64 size = 5;
  fixed32 crc32c = 6;
  repeated TensorSliceProto slices = 7;
}
`;

const root = protobuf.parse(SCHEMA, { keepCase: true }).root;
const HeaderType = root.lookupType('tensorflow.BundleHeaderProto');
const EntryType = root.lookupType('tensorflow.BundleEntryProto');
const TO_OBJECT: protobuf.IConversionOptions = { longs: Number, enums: Number, defaults: true, arrays: true };

/** Decoded BundleHeaderProto. */
export interface BundleHeader {
  numShards: number;
  /** 0 = little-endian, 1 = big-endian. */
  endianness: number;
  producer: number;
  minConsumer: number;
  badConsumers: number[];
}

/** Decoded BundleEntryProto (the `shape` has unknown dims as -1; `unknownRank` flags an unknown rank). */
export interface BundleEntry {
  dtypeEnum: number;
  shape: number[];
  unknownRank: boolean;
  shardId: number;
  offset: number;
  size: number;
  /** Masked CRC-32C of the stored bytes. */
  crc32c: number;
  /** Number of TensorSliceProtos (non-zero means a partitioned variable). */
  numSlices: number;
}

// biome-ignore lint/suspicious/noExplicitAny: decoded protobuf / JSON objects are untyped here
function decode(type: protobuf.Type, bytes: Uint8Array, what: string): Record<string, any> {
  try {
    return type.toObject(type.decode(bytes), TO_OBJECT);
  } catch (err) {
    throw new Bert4tfjsError(`${what}: not a valid ${type.name} (${(err as Error).message})`, 'bad-file', {
      cause: err,
    });
  }
}

/** Decodes the header entry's value; `what` names it in errors. */
export function decodeHeader(bytes: Uint8Array, what: string): BundleHeader {
  const h = decode(HeaderType, bytes, what);
  const v = h.version ?? {};
  return {
    numShards: h.num_shards,
    endianness: h.endianness,
    producer: v.producer ?? 0,
    minConsumer: v.min_consumer ?? 0,
    badConsumers: v.bad_consumers ?? [],
  };
}

/** Decodes a tensor entry's value; `what` names it in errors. */
export function decodeEntry(bytes: Uint8Array, what: string): BundleEntry {
  const e = decode(EntryType, bytes, what);
  const shape = e.shape ?? { dim: [], unknown_rank: false };
  return {
    dtypeEnum: e.dtype,
    shape: (shape.dim as Array<{ size: number }>).map((d) => d.size),
    unknownRank: !!shape.unknown_rank,
    shardId: e.shard_id,
    offset: e.offset,
    size: e.size,
    crc32c: e.crc32c >>> 0,
    numSlices: e.slices.length,
  };
}

/** Encodes a header: `numShards` shards, little-endian, version producer 1 (what TensorFlow writes). */
export function encodeHeader(numShards: number): Uint8Array {
  return HeaderType.encode(HeaderType.fromObject({ num_shards: numShards, version: { producer: 1 } })).finish();
}

/** Encodes a tensor entry (unsliced). */
export function encodeEntry(e: {
  dtypeEnum: number;
  shape: number[];
  shardId: number;
  offset: number;
  size: number;
  crc32c: number;
}): Uint8Array {
  // Zero-valued scalar fields are left unset, as proto3 serializers do; the shape is always present.
  const obj: Record<string, unknown> = {
    dtype: e.dtypeEnum,
    shape: { dim: e.shape.map((size) => ({ size })) },
    crc32c: e.crc32c,
  };
  if (e.shardId) obj.shard_id = e.shardId;
  if (e.offset) obj.offset = e.offset;
  if (e.size) obj.size = e.size;
  return EntryType.encode(EntryType.fromObject(obj)).finish();
}
