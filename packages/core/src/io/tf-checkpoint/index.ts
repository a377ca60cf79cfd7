/** TensorFlow checkpoint (TensorBundle V2) reading and writing. */
export type { CheckpointTensor, StringTensor, TfVariableInfo } from './types.ts';
export type { BundleEntry, BundleHeader } from './bundle-proto.ts';
export { TfCheckpointReader } from './reader.ts';
export {
  type ReadTfCheckpointOptions,
  type SkippedVariable,
  TfCheckpointTensors,
  listVariables,
  loadVariable,
  readTfCheckpoint,
} from './read.ts';
export { type WriteTfCheckpointOptions, writeTfCheckpoint } from './writer.ts';
export { resolveCheckpointPrefix } from './prefix.ts';
export { isOptimizerSlot } from './optimizer-slots.ts';
export { crc32c, crc32cExtend, maskCrc, unmaskCrc } from './crc32c.ts';
