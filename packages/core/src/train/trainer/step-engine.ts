/**
 * A step engine runs the Trainer's optimizer steps outside tfjs (the ONNX engine does, in
 * onnxruntime) while the Trainer keeps everything else: batching, schedules, evaluation, metrics,
 * callbacks and checkpoints. Checkpoints stay in one format because the engine writes its weights and
 * optimizer moments back into the target's variables and the tfjs optimizer's state before each
 * save or evaluation (`sync`) and reads them after a restore (`load`); a checkpoint written by one
 * engine therefore resumes in the other.
 */
import type { TensorBatch } from '../data/tensor-batch.ts';

/** What one engine step reports. */
export interface EngineStepResult {
  loss: number;
  gradNorm: number;
  microBatches: number;
}

/** An optimizer-step engine for {@link Trainer} (option `stepEngine`). */
export interface TrainStepEngine {
  /** Shown in logs, e.g. 'onnxruntime-node 1.30.0'. */
  readonly name: string;
  /**
   * One optimizer step on `batch` at learning rate `lr` (`step` is the 1-based update number). When the
   * loss or the gradient norm is not finite it must leave the weights unchanged and report them as they are.
   */
  step(batch: TensorBatch, lr: number, step: number): Promise<EngineStepResult>;
  /** Writes the engine's weights into the target variables and its moments into the optimizer (before save / evaluate). */
  sync(): void;
  /** Reads weights and optimizer state back from the target variables and the optimizer (after a restore). */
  load(): void;
}
