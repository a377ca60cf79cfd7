/**
 * Toy models and brute-force references for the decoding tests. Everything here is computed
 * independently of the decoder, in float64 JavaScript.
 */
import * as tf from '@tensorflow/tfjs';
import seedrandom from 'seedrandom';
import type { StepFn } from '../src/generate/index.ts';

/** Standard-normal numbers from a seeded generator (Box-Muller). */
export function normals(seed: string, count: number): number[] {
  const rng = seedrandom(seed);
  return Array.from({ length: count }, () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng()));
}

/** log-softmax in float64. */
export function logSoftmax(x: readonly number[]): number[] {
  const max = Math.max(...x);
  const lse = max + Math.log(x.reduce((s, v) => s + Math.exp(v - max), 0));
  return x.map((v) => v - lse);
}

/** Index of the largest value, lowest index on ties; -1 when all are -Infinity. */
export function argmaxOf(x: readonly number[]): number {
  let best = -1;
  for (let i = 0; i < x.length; i++) if (x[i] > -Infinity && (best < 0 || x[i] > x[best])) best = i;
  return best;
}

/**
 * A fixed random trigram table per input: logits of the next id given the last two ids of the
 * output row (a missing position counts as id `vocab`). Stateless.
 */
export class TrigramToy {
  private readonly table: number[];

  constructor(
    readonly vocab: number,
    readonly numInputs: number,
    seed: string,
    /** Added to the logit of `boostId` everywhere (e.g. to make ending tempting). */
    private readonly boost: { id: number; by: number } | null = null,
  ) {
    this.table = normals(seed, numInputs * (vocab + 1) * (vocab + 1) * vocab).map((v) => 1.5 * v);
  }

  /** Logits for the next id after `ids` (the full output row, start id included) for input g. */
  logits(g: number, ids: readonly number[]): number[] {
    const V = this.vocab;
    const a = ids.length >= 2 ? ids[ids.length - 2] : V;
    const b = ids.length >= 1 ? ids[ids.length - 1] : V;
    const base = ((g * (V + 1) + a) * (V + 1) + b) * V;
    const row = this.table.slice(base, base + V);
    if (this.boost) row[this.boost.id] += this.boost.by;
    return row;
  }

  /** Next-id log-probabilities in float64. */
  logProbs(g: number, ids: readonly number[]): number[] {
    return logSoftmax(this.logits(g, ids));
  }

  /** The step function; `pinInput` makes every row use that input's table (one-by-one decoding). */
  step(pinInput?: number): StepFn<null> {
    return (outputIds, _state, inputIndex) => ({
      logits: tf.tensor2d(outputIds.map((ids, i) => this.logits(pinInput ?? inputIndex[i], ids))),
    });
  }
}

/** Cache of {@link RunningSumToy}: the decayed running sum of embeddings, and tokens seen. */
export interface RunningSumState {
  h: tf.Tensor2D;
  seen: tf.Tensor1D;
}

/**
 * A toy recurrent model: h = 0.5·h + E[id] over the output row, logits = h·W + bias[input].
 * `uncached` recomputes h from scratch in JavaScript every step; `cached` keeps h as a tensor
 * state and only folds in the newest id, so it is right only if the decoder reorders the cache.
 */
export class RunningSumToy {
  private readonly emb: number[][];
  private readonly w: number[][];
  private readonly bias: number[][];
  private readonly embT: tf.Tensor2D;
  private readonly wT: tf.Tensor2D;
  private readonly biasT: tf.Tensor2D;

  constructor(
    readonly vocab: number,
    numInputs: number,
    readonly dim: number,
    seed: string,
  ) {
    const e = normals(`${seed}/e`, vocab * dim);
    const w = normals(`${seed}/w`, dim * vocab);
    const b = normals(`${seed}/b`, numInputs * vocab);
    this.emb = Array.from({ length: vocab }, (_, i) => e.slice(i * dim, (i + 1) * dim));
    this.w = Array.from({ length: dim }, (_, i) => w.slice(i * vocab, (i + 1) * vocab));
    this.bias = Array.from({ length: numInputs }, (_, i) => b.slice(i * vocab, (i + 1) * vocab));
    this.embT = tf.tensor2d(this.emb);
    this.wT = tf.tensor2d(this.w);
    this.biasT = tf.tensor2d(this.bias);
  }

  /** Logits computed from scratch in float64. */
  logits(g: number, ids: readonly number[]): number[] {
    let h = new Array<number>(this.dim).fill(0);
    for (const id of ids) h = h.map((v, d) => 0.5 * v + this.emb[id][d]);
    return Array.from(
      { length: this.vocab },
      (_, v) => this.bias[g][v] + h.reduce((s, hd, d) => s + hd * this.w[d][v], 0),
    );
  }

  /** Stateless step: full recomputation every time. */
  readonly uncached: StepFn<null> = (outputIds, _state, inputIndex) => ({
    logits: tf.tensor2d(outputIds.map((ids, i) => this.logits(inputIndex[i], ids))),
  });

  /** Incremental step: folds only the newest id into the cached h. */
  readonly cached: StepFn<RunningSumState> = (outputIds, state, inputIndex) =>
    tf.tidy(() => {
      let h: tf.Tensor2D;
      if (state === null) {
        h = tf.zeros([outputIds.length, this.dim]);
        const len = outputIds[0].length;
        for (let t = 0; t < len; t++)
          h = h.mul(0.5).add(
            tf.gather(
              this.embT,
              outputIds.map((ids) => ids[t]),
            ),
          );
      } else {
        const seen = state.seen.arraySync();
        outputIds.forEach((ids, i) => {
          // Every row must carry exactly the prefix it was built from, minus the newest id.
          if (seen[i] !== ids.length - 1) throw new Error(`cache row ${i} saw ${seen[i]} ids, row has ${ids.length}`);
        });
        h = state.h.mul(0.5).add(
          tf.gather(
            this.embT,
            outputIds.map((ids) => ids[ids.length - 1]),
          ),
        );
      }
      const logits = tf.matMul(h, this.wT).add(tf.gather(this.biasT, inputIndex)) as tf.Tensor2D;
      const seen = tf.tensor1d(
        outputIds.map((ids) => ids.length),
        'int32',
      );
      return { logits, state: { h, seen } };
    });

  /** Frees the weights. */
  dispose(): void {
    tf.dispose([this.embT, this.wT, this.biasT]);
  }
}

/** Wraps a step so that every call's logits are recorded (as float64 arrays). */
export function recording<S>(step: StepFn<S>, log: number[][][]): StepFn<S> {
  return async (ids, state, inputIndex) => {
    const out = await step(ids, state, inputIndex);
    log.push((out.logits ?? out.logProbs)!.arraySync());
    return out;
  };
}

/** What brute-force search over every possible output needs to know. */
export interface BruteForceSpec {
  vocab: number;
  startId: number | null;
  endId: number;
  maxLength: number;
  minLength?: number;
  minEnds?: number;
  lengthPenalty?: number;
  /** Allowed next ids, as a decoding constraint would say. */
  allowed?: (prefix: number[]) => readonly number[];
  logProbs: (ids: readonly number[]) => number[];
}

/**
 * Enumerates every finished output (ids ending with the minEnds-th end id, within maxLength,
 * honouring minLength and `allowed`) and returns the one with the best score / length^penalty.
 */
export function bruteForceBest(spec: BruteForceSpec): { tokens: number[]; score: number } | null {
  const { vocab, startId, endId, maxLength, minLength = 0, minEnds = 1, lengthPenalty = 0 } = spec;
  let best: { tokens: number[]; score: number; norm: number } | null = null;
  const visit = (tokens: number[], score: number, ends: number): void => {
    if (tokens.length >= maxLength) return;
    const lp = spec.logProbs(startId === null ? tokens : [startId, ...tokens]);
    const allowed = spec.allowed ? spec.allowed(tokens) : [...Array(vocab).keys()];
    for (const id of allowed) {
      if (id === endId && tokens.length < minLength) continue;
      const s = score + lp[id];
      if (id === endId && ends + 1 === minEnds) {
        const norm = s / (tokens.length + 1) ** lengthPenalty;
        if (best === null || norm > best.norm) best = { tokens, score: s, norm };
      } else {
        visit([...tokens, id], s, ends + (id === endId ? 1 : 0));
      }
    }
  };
  visit([], 0, 0);
  return best;
}

/** Greedy decoding by hand: follow the argmax of the float64 log-probabilities. */
export function handGreedy(
  logProbs: (ids: readonly number[]) => number[],
  o: { startId: number | null; endId: number; maxLength: number; minLength?: number; minEnds?: number },
): { tokens: number[]; finished: boolean; score: number } {
  const tokens: number[] = [];
  let score = 0;
  let ends = 0;
  while (tokens.length < o.maxLength) {
    const lp = logProbs(o.startId === null ? tokens : [o.startId, ...tokens]);
    if (tokens.length < (o.minLength ?? 0)) lp[o.endId] = -Infinity;
    const id = argmaxOf(lp);
    score += lp[id];
    if (id === o.endId && ++ends === (o.minEnds ?? 1)) return { tokens, finished: true, score };
    tokens.push(id);
  }
  return { tokens, finished: false, score };
}
