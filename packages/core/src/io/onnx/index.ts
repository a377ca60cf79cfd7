/** ONNX export: the onnx.proto subset (protobufjs), a graph builder, and atomic .onnx file I/O. */
export * from './proto.ts';
export * from './graph.ts';
export * from './write.ts';
