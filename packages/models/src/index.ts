/**
 * @bert4tfjs/models: model families built from @bert4tfjs/core layers, each with its weight map to
 * Hugging Face tensor names. Knows nothing of tokenizers.
 */
export * from './config.ts';
export * from './weights.ts';
export * from './bert.ts';
export * from './families.ts';
export * from './build.ts';
export * from './run.ts';
export * from './model-dir.ts';
export * from './convert/index.ts';
export * from './albert.ts';
export * from './onnx/index.ts';
export * from './transfo-xl.ts';
export * from './transfo-xl-step.ts';
export * from './transfo-xl-train.ts';
export * from './transfo-xl-tf-names.ts';
export * from './t5.ts';
export * from './t5-generate.ts';
export * from './t5-train.ts';
export * from './encoder-internals.ts';
export * from './roformer/index.ts';
export * from './nezha/index.ts';
