/**
 * The subset of onnx.proto needed to write (and read back) an inference graph: ModelProto, GraphProto,
 * NodeProto, AttributeProto, TensorProto, ValueInfoProto and the type/shape messages, as a protobufjs
 * schema. Field numbers follow onnx/onnx.proto (IR version 8).
 */
import protobuf from 'protobufjs';
import { Bert4tfjsError } from '../../errors.ts';

// Only the fields we write or check are declared; protobufjs skips unknown fields when decoding.
// Integer fields that onnx.proto declares int64 stay int64 here so the wire format is identical.
const SCHEMA = `
syntax = "proto3";
package onnx;
message AttributeProto {
  string name = 1;
  float f = 2;
  int64 i = 3;
  bytes s = 4;
  TensorProto t = 5;
  repeated float floats = 7;
  repeated int64 ints = 8;
  repeated bytes strings = 9;
  int32 type = 20;
}
message ValueInfoProto { string name = 1; TypeProto type = 2; string doc_string = 3; }
message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  string name = 3;
  string op_type = 4;
  repeated AttributeProto attribute = 5;
  string doc_string = 6;
  string domain = 7;
}
message StringStringEntryProto { string key = 1; string value = 2; }
message OperatorSetIdProto { string domain = 1; int64 version = 2; }
message ModelProto {
  int64 ir_version = 1;
  string producer_name = 2;
  string producer_version = 3;
  string domain = 4;
  int64 model_version = 5;
  string doc_string = 6;
  GraphProto graph = 7;
  repeated OperatorSetIdProto opset_import = 8;
  repeated StringStringEntryProto metadata_props = 14;
}
message GraphProto {
  repeated NodeProto node = 1;
  string name = 2;
  repeated TensorProto initializer = 5;
  string doc_string = 10;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
  repeated ValueInfoProto value_info = 13;
}
message TensorProto {
  repeated int64 dims = 1;
  int32 data_type = 2;
  repeated float float_data = 4;
  repeated int32 int32_data = 5;
  repeated int64 int64_data = 7;
  string name = 8;
  bytes raw_data = 9;
  string doc_string = 12;
}
message TensorShapeProto {
  message Dimension {
    oneof value { int64 dim_value = 1; string dim_param = 2; }
    string denotation = 3;
  }
  repeated Dimension dim = 1;
}
message TypeProto {
  message Tensor { int32 elem_type = 1; TensorShapeProto shape = 2; }
  oneof value { Tensor tensor_type = 1; }
  string denotation = 6;
}
`;

const root = protobuf.parse(SCHEMA, { keepCase: true }).root;
const ModelType = root.lookupType('onnx.ModelProto');

/** TensorProto.DataType values used here. */
export const OnnxDataType = { FLOAT: 1, INT32: 6, INT64: 7, BOOL: 9, FLOAT16: 10, DOUBLE: 11 } as const;
/** A TensorProto.DataType value. */
export type OnnxDataTypeValue = (typeof OnnxDataType)[keyof typeof OnnxDataType];

/** AttributeProto.AttributeType values used here. */
export const OnnxAttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

/** A TensorProto as a plain object (raw little-endian bytes in `raw_data`). */
export interface OnnxTensor {
  name: string;
  dims: number[];
  data_type: number;
  raw_data: Uint8Array;
  doc_string?: string;
}

/** An AttributeProto as a plain object: `type` says which value field is set. */
export interface OnnxAttribute {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: OnnxTensor;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
}

/** A NodeProto as a plain object. */
export interface OnnxNode {
  name: string;
  op_type: string;
  domain?: string;
  input: string[];
  output: string[];
  attribute: OnnxAttribute[];
}

/** One dimension: a fixed size or a symbolic name (`batch_size`). */
export type OnnxDim = number | string;

/** A ValueInfoProto for a tensor: name, element type and shape. */
export interface OnnxValueInfo {
  name: string;
  elemType: number;
  dims: OnnxDim[];
  doc?: string;
}

/** A ModelProto as a plain object. */
export interface OnnxModel {
  irVersion: number;
  opsetImports: Array<{ domain: string; version: number }>;
  producerName: string;
  producerVersion: string;
  docString?: string;
  metadata?: Record<string, string>;
  graph: {
    name: string;
    nodes: OnnxNode[];
    initializers: OnnxTensor[];
    inputs: OnnxValueInfo[];
    outputs: OnnxValueInfo[];
  };
}

function valueInfoToProto(v: OnnxValueInfo): Record<string, unknown> {
  const dim = v.dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d }));
  return { name: v.name, doc_string: v.doc ?? '', type: { tensor_type: { elem_type: v.elemType, shape: { dim } } } };
}

// biome-ignore lint/suspicious/noExplicitAny: decoded protobuf / JSON objects are untyped here
function valueInfoFromProto(p: Record<string, any>): OnnxValueInfo {
  const t = p.type?.tensor_type ?? {};
  const dims = (t.shape?.dim ?? []).map((d: Record<string, unknown>) =>
    d.dim_param ? String(d.dim_param) : Number(d.dim_value ?? 0),
  );
  return { name: p.name, elemType: t.elem_type ?? 0, dims, doc: p.doc_string || undefined };
}

/** Serializes a model to ModelProto bytes. */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const msg = ModelType.fromObject({
    ir_version: model.irVersion,
    producer_name: model.producerName,
    producer_version: model.producerVersion,
    doc_string: model.docString ?? '',
    opset_import: model.opsetImports,
    metadata_props: Object.entries(model.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: {
      name: model.graph.name,
      node: model.graph.nodes,
      initializer: model.graph.initializers,
      input: model.graph.inputs.map(valueInfoToProto),
      output: model.graph.outputs.map(valueInfoToProto),
    },
  });
  return ModelType.encode(msg).finish();
}

/** Parses ModelProto bytes (the subset above); `source` names the file in errors. */
export function decodeOnnxModel(bytes: Uint8Array, source = '<onnx bytes>'): OnnxModel {
  // biome-ignore lint/suspicious/noExplicitAny: decoded protobuf / JSON objects are untyped here
  let obj: Record<string, any>;
  try {
    obj = ModelType.toObject(ModelType.decode(bytes), { longs: Number, defaults: true, arrays: true });
  } catch (err) {
    throw new Bert4tfjsError(`${source}: not an ONNX model (${(err as Error).message})`, 'bad-file');
  }
  const g = obj.graph ?? {};
  return {
    irVersion: obj.ir_version,
    opsetImports: obj.opset_import.map((o: Record<string, unknown>) => ({
      domain: String(o.domain ?? ''),
      version: Number(o.version),
    })),
    producerName: obj.producer_name,
    producerVersion: obj.producer_version,
    docString: obj.doc_string || undefined,
    metadata: Object.fromEntries(obj.metadata_props.map((e: { key: string; value: string }) => [e.key, e.value])),
    graph: {
      name: g.name ?? '',
      nodes: (g.node ?? []) as OnnxNode[],
      initializers: (g.initializer ?? []) as OnnxTensor[],
      inputs: (g.input ?? []).map(valueInfoFromProto),
      outputs: (g.output ?? []).map(valueInfoFromProto),
    },
  };
}
