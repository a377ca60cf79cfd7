/**
 * How much memory a training step needs, and the micro-batch size that keeps it under a budget.
 *
 * wasm's 4 GiB heap cannot be caught as an exception (a step that does not fit hangs), so the trainer
 * plans before it runs. A step needs
 *
 *   fixed (weights + optimizer slots + one set of gradients + live tensors)
 *   + accumulator (one more set of gradients, only when the batch is split)
 *   + microBatch × perExample(L)            (activations kept for the backward pass)
 *
 * perExample(L) comes from dry runs on 1 and 2 examples of the real batch, measured as the peak bytes of
 * tensor buffers alive at once (peak-memory.ts). Activations grow like a·L + b·L² in the sequence length L, so a measurement m at length
 * Lm bounds a shorter length from above by m·L/Lm and a longer one by m·(L/Lm)²; the estimate is the
 * smallest such bound over all measurements (re-measured when a longer batch arrives).
 */
import { Bert4tfjsError } from '../../errors.ts';

/** Default budget on wasm: well under the 4 GiB heap, leaving room for fragmentation and kernel scratch. */
export const DEFAULT_WASM_BUDGET_BYTES = 2.5e9;

/** One dry-run measurement: bytes per example at a sequence length. */
export interface ActivationSample {
  seqLen: number;
  perExampleBytes: number;
}

/** Upper bound of the activation bytes of one example at `seqLen`, from measurements (see file comment). */
export function perExampleEstimate(samples: readonly ActivationSample[], seqLen: number): number {
  if (samples.length === 0) throw new Bert4tfjsError('perExampleEstimate: no measurement yet', 'bad-state');
  let best = Infinity;
  for (const s of samples) {
    const r = seqLen / s.seqLen;
    best = Math.min(best, s.perExampleBytes * (r <= 1 ? r : r * r));
  }
  return best;
}

/** Inputs of {@link chooseMicroBatch}. */
export interface MicroBatchQuery {
  /** Examples in the batch. */
  batchSize: number;
  /** Sequence length of the batch (1 when there is none). */
  seqLen: number;
  /** Bytes the step may use in all. */
  budgetBytes: number;
  /** Bytes needed whatever the micro-batch: weights, optimizer slots, one set of gradients, live tensors. */
  fixedBytes: number;
  /** Extra bytes when the batch is split (the gradient accumulator). */
  accumulatorBytes: number;
  /** Activation bytes of one example at a sequence length. */
  perExample: (seqLen: number) => number;
  /** Whether splitting is allowed; when false, a batch that does not fit fails. Default true. */
  allowSplit?: boolean;
}

/** A micro-batch plan for one batch. */
export interface MicroBatchPlan {
  /** Largest micro-batch (sizes differ by at most one). */
  microBatchSize: number;
  /** Sizes of the micro-batches, summing to the batch size. */
  sizes: number[];
  /** Estimated peak bytes of the step. */
  estimatedBytes: number;
}

/** Splits `n` into `k` sizes that differ by at most one (largest first). */
export function balancedSizes(n: number, k: number): number[] {
  const base = Math.floor(n / k);
  const extra = n % k;
  return Array.from({ length: k }, (_, i) => base + (i < extra ? 1 : 0));
}

/** Estimated peak bytes of a step split into micro-batches of at most `micro` examples. */
export function estimateStepBytes(q: MicroBatchQuery, micro: number): number {
  const split = micro < q.batchSize;
  return q.fixedBytes + (split ? q.accumulatorBytes : 0) + micro * q.perExample(q.seqLen);
}

/**
 * The fewest micro-batches whose step fits the budget (sizes balanced). Throws a Bert4tfjsError
 * ('does-not-fit') naming what would fit when even one example does not, or when splitting is off.
 */
export function chooseMicroBatch(q: MicroBatchQuery): MicroBatchPlan {
  const gib = (b: number): string => `${(b / 2 ** 30).toFixed(2)} GiB`;
  const whole = estimateStepBytes(q, q.batchSize);
  if (whole <= q.budgetBytes) return { microBatchSize: q.batchSize, sizes: [q.batchSize], estimatedBytes: whole };
  const per = q.perExample(q.seqLen);
  const room = q.budgetBytes - q.fixedBytes - (q.batchSize > 1 ? q.accumulatorBytes : 0);
  const maxMicro = per > 0 ? Math.floor(room / per) : q.batchSize;
  if (q.allowSplit === false) {
    const hint =
      maxMicro >= 1
        ? `a batch of ${Math.min(maxMicro, q.batchSize - 1)} would fit; allow automatic micro-batching or lower the batch size`
        : `not even one example fits`;
    throw new Bert4tfjsError(
      `Trainer: a step on ${q.batchSize} x ${q.seqLen} needs about ${gib(whole)}, over the memory budget of ${gib(q.budgetBytes)}; ${hint}`,
      'does-not-fit',
    );
  }
  if (maxMicro < 1) {
    const parts = `fixed ${gib(q.fixedBytes + q.accumulatorBytes)} (weights, optimizer slots, gradients) + ${gib(per)} per example`;
    let hint: string;
    if (q.fixedBytes + q.accumulatorBytes >= q.budgetBytes) {
      hint =
        'the weights, optimizer state and gradients alone exceed it: freeze layers, use a smaller model or an optimizer with fewer slots';
    } else {
      let lo = 0;
      let hi = q.seqLen;
      // Largest length at which one example fits (the estimate grows with the length).
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        if (q.fixedBytes + q.accumulatorBytes + q.perExample(mid) <= q.budgetBytes) lo = mid;
        else hi = mid - 1;
      }
      hint =
        lo >= 1
          ? `sequences of up to about ${lo} tokens would fit one example per micro-batch; shorten them (e.g. textSplit) or raise memoryBudget`
          : 'shorten the sequences or raise memoryBudget';
    }
    throw new Bert4tfjsError(
      `Trainer: one example of length ${q.seqLen} needs about ${gib(q.fixedBytes + q.accumulatorBytes + per)} (${parts}), over the memory budget of ${gib(q.budgetBytes)}; ${hint}`,
      'does-not-fit',
    );
  }
  const k = Math.ceil(q.batchSize / Math.min(maxMicro, q.batchSize));
  const sizes = balancedSizes(q.batchSize, k);
  return { microBatchSize: sizes[0], sizes, estimatedBytes: estimateStepBytes(q, sizes[0]) };
}
