/**
 * `--save best`: keeps the weights of the best validation evaluation so far on disk (a one-entry
 * checkpoint directory, written atomically) and, as a trainer callback, saves and restores which
 * evaluation that was, so a resumed run keeps choosing against the same best.
 */
import * as tf from '@tensorflow/tfjs';
import {
  CHECKPOINT_FORMAT,
  latestCheckpoint,
  loadCheckpoint,
  pruneCheckpoints,
  saveCheckpoint,
  type Json,
  type TrainerCallback,
} from '@bert4tfjs/core';

/** The best evaluation so far (higher is better) and its weights on disk. */
export class BestWeights implements TrainerCallback {
  readonly name = 'bestWeights';
  best: number | null = null;
  bestStep = 0;

  constructor(private readonly dir: string) {}

  /** Records `value` at `step`; when it beats the best, writes `weights` (as they are now) as the new best. */
  async consider(value: number, step: number, weights: ReadonlyMap<string, tf.Variable>): Promise<boolean> {
    if (!Number.isFinite(value) || (this.best !== null && value <= this.best)) return false;
    await saveCheckpoint(this.dir, weights, new Map(), {
      format: CHECKPOINT_FORMAT,
      version: 1,
      step,
      epoch: 0,
      stepInEpoch: 0,
      stepsPerEpoch: 0,
      data: {},
      callbacks: {},
      optimizer: null,
      savedAt: new Date().toISOString(),
    });
    pruneCheckpoints(this.dir, 1);
    this.best = value;
    this.bestStep = step;
    return true;
  }

  /** Puts the best weights back into `weights`; false when no evaluation was ever recorded. */
  restoreInto(weights: ReadonlyMap<string, tf.Variable>): boolean {
    const latest = this.best === null ? null : latestCheckpoint(this.dir);
    if (latest === null) return false;
    const ck = loadCheckpoint(latest.path);
    try {
      for (const [k, v] of weights) {
        const t = ck.weights.get(k);
        if (t) v.assign(t);
      }
    } finally {
      tf.dispose([...ck.weights.values(), ...ck.optimizer.values()]);
    }
    return true;
  }

  getState(): Json {
    return { best: this.best, bestStep: this.bestStep };
  }

  setState(state: Json): void {
    const s = state as { best: number | null; bestStep: number };
    this.best = s.best;
    this.bestStep = s.bestStep;
  }
}
