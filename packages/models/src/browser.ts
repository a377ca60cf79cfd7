/**
 * @bert4tfjs/models for web pages (the package's `browser` export, and what a bundler picks for
 * `@bert4tfjs/models` with the `browser` condition): every family, builder, head, run helper and the ONNX
 * graphs, without the Node-only parts (checkpoint conversion and export, saving model directories). Files
 * come through a FileSource: `loadTransformerModel(fetchFileSource(url))`.
 */
export * from './config.ts';
export * from './files.ts';
export * from './load.ts';
export * from './weights.ts';
export * from './family.ts';
export * from './registry.ts';
export * from './build.ts';
export * from './run.ts';
export * from './encoder/build-options.ts';
export * from './encoder/heads.ts';
export * from './encoder/layer-norm.ts';
export * from './encoder/post-norm-block.ts';
export * from './onnx/ops.ts';
export * from './onnx/encoder-graph.ts';
export * from './onnx/export.ts';
export * from './bert/index.ts';
export * from './albert/index.ts';
export * from './t5/index.ts';
export * from './transfo-xl/index.ts';
export * from './onnx-train/index.ts';
export * from './gpt2/index.ts';
export * from './encoder/application.ts';
export * from './encoder/stack.ts';
export * from './encoder/inspection.ts';
export * from './electra/index.ts';
export * from './roberta/index.ts';
export * from './encoder-internals.ts';
export * from './roformer/index.ts';
export * from './nezha/index.ts';
export * from './hf-tensors.ts';
