/**
 * @bert4tfjs/models: model families built from @bert4tfjs/core layers, each with its weight map to
 * Hugging Face tensor names. Knows nothing of tokenizers. One folder per family (bert/, albert/, t5/,
 * transfo-xl/), the `Family` contract (family.ts) and the registry that lists them (registry.ts);
 * the shared machinery: config, weights, build, run, model-dir, encoder/, convert/, onnx/.
 */
import './node-files.ts';

export * from './config.ts';
export * from './files.ts';
export * from './load.ts';
export { nodeModelFileAccess } from './node-files.ts';
export * from './weights.ts';
export * from './family.ts';
export * from './registry.ts';
export * from './build.ts';
export * from './run.ts';
export * from './model-dir.ts';
export * from './encoder/build-options.ts';
export * from './encoder/heads.ts';
export * from './encoder/layer-norm.ts';
export * from './encoder/post-norm-block.ts';
export * from './convert/index.ts';
export * from './onnx/index.ts';
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
