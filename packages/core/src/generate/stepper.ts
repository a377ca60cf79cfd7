/**
 * Runs the model's step function for the decoding loops: owns the model's cache (reorders it when
 * hypotheses move, disposes it when replaced), turns the step's tensor output into plain
 * log-probability rows and applies the minLength and constraint masks.
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../errors.ts';
import { collectTensors, disposeReplaced } from './state.ts';
import type { Constraint, ReorderStateFn, StepFn } from './types.ts';

/** One live hypothesis as the step sees it. */
export interface StepRow {
  /** Generated ids so far, without the start id. */
  tokens: readonly number[];
  /** The input this hypothesis belongs to. */
  inputIndex: number;
}

/** What a {@link StepRunner} needs to know. */
export interface StepRunnerConfig<S> {
  step: StepFn<S>;
  reorderState: ReorderStateFn<S>;
  startId: number | null;
  endId: number;
  minLength: number;
  constraint?: Constraint;
}

/**
 * Calls the step function once per decoding step and keeps its cache aligned with the live
 * hypotheses. Call `dispose()` when decoding ends (also on error) to free the cache.
 */
export class StepRunner<S> {
  private state: S | null = null;
  private rowCount = 0;

  constructor(private readonly config: StepRunnerConfig<S>) {}

  /**
   * Runs one step for `rows` and returns one log-probability row per hypothesis (-Infinity where
   * a token is masked). The returned arrays are the caller's to modify.
   */
  async next(rows: readonly StepRow[]): Promise<Float32Array[]> {
    const { step, startId } = this.config;
    if (this.state !== null && rows.length !== this.rowCount) {
      throw new Bert4tfjsError(
        `internal: ${rows.length} hypotheses but the cache holds ${this.rowCount}; reorder first`,
        'internal',
      );
    }
    const outputIds = rows.map((r) => (startId === null ? [...r.tokens] : [startId, ...r.tokens]));
    const out = await step(
      outputIds,
      this.state,
      rows.map((r) => r.inputIndex),
    );
    if (out === null || typeof out !== 'object') {
      throw new Bert4tfjsError(
        `step: must return an object { logits | logProbs, state }, got ${String(out)}`,
        'bad-argument',
      );
    }
    // Take ownership at once, so the finally below frees everything even when validation fails.
    const newState = out.state ?? null;
    const old = this.state;
    this.state = newState;
    this.rowCount = rows.length;
    disposeReplaced(old, newState);
    const inState = collectTensors(newState);
    const owned = [out.logits, out.logProbs].filter((t): t is tf.Tensor2D => t instanceof tf.Tensor && !inState.has(t));
    let data: Float32Array;
    let vocab: number;
    try {
      const scores = this.checkScores(out.logits, out.logProbs, rows.length);
      vocab = scores.shape[1];
      const logProbs = tf.tidy(() => tf.logSoftmax(tf.cast(scores, 'float32')));
      try {
        data = new Float32Array(await logProbs.data());
      } finally {
        logProbs.dispose();
      }
    } finally {
      for (const t of owned) t.dispose();
    }
    for (let i = 0; i < data.length; i++) {
      if (Number.isNaN(data[i])) {
        throw new Bert4tfjsError(
          `step: scores for hypothesis ${Math.floor(i / vocab)} give NaN (NaN inputs, or every id -Infinity)`,
          'bad-argument',
        );
      }
    }
    return rows.map((r, i) => this.mask(data.subarray(i * vocab, (i + 1) * vocab), r));
  }

  /** Rearranges the cache so that its row j is the current row `indices[j]`. */
  reorder(indices: readonly number[]): void {
    const unchanged = indices.length === this.rowCount && indices.every((v, i) => v === i);
    this.rowCount = indices.length;
    if (this.state === null || unchanged) return;
    const old = this.state;
    const next = this.config.reorderState(old, [...indices]);
    this.state = next;
    disposeReplaced(old, next);
  }

  /** Frees the cache. */
  dispose(): void {
    disposeReplaced(this.state, null);
    this.state = null;
    this.rowCount = 0;
  }

  private checkScores(logits: unknown, logProbs: unknown, rows: number): tf.Tensor2D {
    const given = [logits, logProbs].filter((t) => t !== undefined && t !== null);
    if (given.length !== 1) {
      throw new Bert4tfjsError('step: must return exactly one of logits or logProbs', 'bad-argument');
    }
    const scores = given[0];
    if (!(scores instanceof tf.Tensor) || scores.rank !== 2 || scores.shape[0] !== rows) {
      const shape = scores instanceof tf.Tensor ? `[${scores.shape.join(', ')}]` : typeof scores;
      throw new Bert4tfjsError(
        `step: scores must be a tensor of shape [${rows} hypotheses, vocab], got ${shape}`,
        'bad-argument',
      );
    }
    if (scores.shape[1] <= this.config.endId) {
      throw new Bert4tfjsError(
        `step: vocab size ${scores.shape[1]} does not include endId ${this.config.endId}`,
        'bad-argument',
      );
    }
    return scores as tf.Tensor2D;
  }

  private mask(row: Float32Array, r: StepRow): Float32Array {
    const { endId, minLength, constraint } = this.config;
    if (constraint) {
      const allowed = constraint.allowedNext(r.tokens, r.inputIndex);
      if (!Array.isArray(allowed)) {
        throw new Bert4tfjsError('constraint.allowedNext: must return an array of token ids', 'bad-argument');
      }
      const kept = allowed.map((id) => {
        if (!Number.isInteger(id) || id < 0 || id >= row.length) {
          throw new Bert4tfjsError(`constraint.allowedNext: id ${id} is not in [0, ${row.length})`, 'bad-argument');
        }
        return row[id];
      });
      row.fill(-Infinity);
      allowed.forEach((id, j) => (row[id] = kept[j]));
    }
    if (r.tokens.length < minLength) row[endId] = -Infinity;
    return row;
  }
}
