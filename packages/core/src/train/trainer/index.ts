/** The trainer: fit loop, memory-planned micro-batching, checkpoints, metrics log, early stopping. */
export { Trainer } from './trainer.ts';
export type { TrainerOptions, FitOptions, FitResult, StopReason } from './options.ts';
export {
  EarlyStopping,
  type EarlyStoppingOptions,
  type TrainerCallback,
  type CallbackContext,
  type StepLogs,
} from './callbacks.ts';
export {
  listCheckpoints,
  latestCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
  pruneCheckpoints,
  checkpointName,
  CHECKPOINT_FORMAT,
  type CheckpointInfo,
  type LoadedCheckpoint,
  type TrainerState,
  type Json,
} from './checkpoint.ts';
export { MetricsLog, readMetricsLog, type MetricsRecord } from './metrics-log.ts';
export {
  chooseMicroBatch,
  estimateStepBytes,
  perExampleEstimate,
  balancedSizes,
  DEFAULT_WASM_BUDGET_BYTES,
  type ActivationSample,
  type MicroBatchQuery,
  type MicroBatchPlan,
} from './memory.ts';
export { MemoryPlanner, defaultMemoryBudget, isOutOfMemory, type MicroBatchSetting } from './planner.ts';
export { batchGradients, globalNorm, measureStepBytes, type BatchGradients } from './gradients.ts';
export { perturbedGradients, type Perturbation } from './perturbation.ts';
export { trackPeakBytes } from './peak-memory.ts';
export { modelTarget, variablesTarget, type TrainTarget, type LossFn, type ModelLossFn } from './target.ts';
export * from './step-engine.ts';
