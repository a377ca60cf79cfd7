/**
 * The trainer's memory planner: measures activations with dry runs (see memory.ts for the model), and
 * picks each batch's micro-batch sizes. On backends whose out-of-memory errors can be caught, a failed
 * step also lowers the ceiling for the rest of the run.
 */
import { totalmem } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../../errors.ts';
import type { TensorBatch } from '../data/tensor-batch.ts';
import { measureStepBytes } from './gradients.ts';
import {
  DEFAULT_WASM_BUDGET_BYTES,
  balancedSizes,
  chooseMicroBatch,
  perExampleEstimate,
  type ActivationSample,
  type MicroBatchPlan,
} from './memory.ts';
import { variableBytes, type TrainTarget } from './target.ts';

/** How batches are split: 'auto' (fit the budget), 'off' (never split; fail if over budget), or a fixed micro-batch size. */
export type MicroBatchSetting = 'auto' | 'off' | number;

/** The default memory budget of the active backend: 2.5 GB on wasm, half the machine's memory elsewhere. */
export function defaultMemoryBudget(backend: string = tf.getBackend()): number {
  return backend === 'wasm' ? DEFAULT_WASM_BUDGET_BYTES : totalmem() / 2;
}

/** True for errors that look like a failed allocation (catchable on cpu, tfjs-node and GPU backends). */
export function isOutOfMemory(e: unknown): boolean {
  const msg = e instanceof Error ? `${e.name} ${e.message}` : String(e);
  return /out of memory|\bOOM\b|failed to allocate|allocation failed|cannot allocate|invalid typed array length|array buffer allocation/i.test(
    msg,
  );
}

/** Plans micro-batches against a memory budget. */
export class MemoryPlanner {
  readonly samples: ActivationSample[] = [];
  /** Transient bytes of a step that do not grow with the batch (mostly the gradients), from dry runs. */
  baseBytes = 0;
  /** Ceiling set after a caught out-of-memory error. */
  private ceiling = Infinity;

  constructor(
    private readonly target: TrainTarget,
    private readonly budgetBytes: number,
    private readonly setting: MicroBatchSetting,
    /** Slot copies per weight the optimizer creates on its first step (2 for Adam). */
    private readonly optimizerSlots: number,
  ) {}

  /** Bytes of the trainable variables (one set of gradients is the same). */
  get trainableBytes(): number {
    return variableBytes(this.target.trainable.values());
  }

  /** Bytes needed whatever the micro-batch size. */
  fixedBytes(optimizerStarted: boolean): number {
    const slots = optimizerStarted ? 0 : this.optimizerSlots * this.trainableBytes;
    return tf.memory().numBytes + slots + Math.max(this.baseBytes, this.trainableBytes);
  }

  /** Micro-batch sizes for a batch of `n` examples of length `seqLen`. */
  async plan(batch: TensorBatch, n: number, seqLen: number, optimizerStarted: boolean): Promise<MicroBatchPlan> {
    if (typeof this.setting === 'number') {
      const sizes = balancedSizes(n, Math.ceil(n / Math.min(this.setting, n)));
      return { microBatchSize: sizes[0], sizes, estimatedBytes: NaN };
    }
    if (this.budgetBytes === Infinity) return this.capped({ microBatchSize: n, sizes: [n], estimatedBytes: NaN }, n);
    const fixed = this.fixedBytes(optimizerStarted);
    if (fixed > this.budgetBytes) {
      const gib = (b: number): string => `${(b / 2 ** 30).toFixed(2)} GiB`;
      throw new Bert4tfjsError(
        `Trainer: the weights, optimizer state and gradients alone need about ${gib(fixed)}, over the memory budget of ${gib(this.budgetBytes)}; freeze layers, use a smaller model or raise memoryBudget`,
        'does-not-fit',
      );
    }
    if (!this.samples.some((s) => s.seqLen >= seqLen)) await this.measure(batch, n, seqLen);
    const plan = chooseMicroBatch({
      batchSize: n,
      seqLen,
      budgetBytes: this.budgetBytes,
      fixedBytes: this.fixedBytes(optimizerStarted),
      accumulatorBytes: this.trainableBytes,
      perExample: (l) => perExampleEstimate(this.samples, l),
      allowSplit: this.setting !== 'off',
    });
    return this.capped(plan, n);
  }

  /** After a caught out-of-memory error with micro-batches of `size`: halves the ceiling. Returns false at 1. */
  lowerCeiling(size: number): boolean {
    if (size <= 1 || this.setting === 'off') return false;
    this.ceiling = Math.floor(size / 2);
    return true;
  }

  private capped(plan: MicroBatchPlan, n: number): MicroBatchPlan {
    if (plan.microBatchSize <= this.ceiling) return plan;
    const sizes = balancedSizes(n, Math.ceil(n / this.ceiling));
    return { microBatchSize: sizes[0], sizes, estimatedBytes: plan.estimatedBytes };
  }

  /**
   * Dry runs on 1 and 2 examples: the difference is one example's activations, the rest is fixed. With
   * splitting off (losses over the whole batch, e.g. CoSENT or in-batch negatives, which a 1-example run
   * could not even compute) one dry run on the whole batch, so the budget check still holds.
   */
  private async measure(batch: TensorBatch, n: number, seqLen: number): Promise<void> {
    if (this.setting === 'off') {
      this.samples.push({ seqLen, perExampleBytes: measureStepBytes(this.target, batch, n) / n });
      return;
    }
    const one = measureStepBytes(this.target, batch, 1);
    let per = one;
    // The second dry run needs about twice the first: skip it (keeping the conservative estimate) if that would not fit.
    if (n >= 2 && tf.memory().numBytes + 2 * one <= this.budgetBytes) {
      const two = measureStepBytes(this.target, batch, 2);
      if (two > one) per = two - one;
    }
    this.baseBytes = Math.max(this.baseBytes, one - per);
    this.samples.push({ seqLen, perExampleBytes: per });
  }
}
