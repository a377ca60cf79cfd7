/** Data pipeline: padding, text splitting, seeded/bucketed batch generation, tensor batches. */
export { sequencePadding, type SequencePaddingOptions, type PadSide } from './padding.ts';
export { textSplit, DEFAULT_SEPARATORS, type TextSplitOptions } from './text-split.ts';
export { DataGenerator, type DataGeneratorOptions, type BatchSource } from './generator.ts';
export { toTensorBatch, type TensorBatch, type NestedNumbers } from './tensor-batch.ts';
