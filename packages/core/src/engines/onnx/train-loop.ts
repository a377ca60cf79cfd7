/**
 * Runs training-step graphs (see GradTape / emitAdamW) with onnxruntime, keeping the weights, Adam
 * moments, gradient accumulators and step count in JavaScript between steps. Each step feeds them as
 * input tensors (views of our buffers, not copies) and binds the updated ones as pre-allocated outputs:
 * moments and accumulators into the very buffers they were fed from (each is read only by the nodes
 * that compute its update, and the graph keeps it unchanged when the step is not finite), weights in
 * place under the 'apply' graph and into a spare set under the fused 'step' graph (where a lower layer's
 * gradient still reads a weight after its update). So BERT-base accumulating holds one copy of its
 * state. onnxruntime-node still returns a fresh copy of every output (its binding copies out), which we
 * drop at once and count in `bytesOut`; a binding that did not write the bound buffers is detected on
 * the first step and its returned arrays are kept instead. A batch split into micro-batches runs the
 * 'grads' graph per micro-batch (gradients added into the accumulators, weighted by each micro-batch's
 * share of the examples) and then the 'apply' graph.
 */
import { Bert4tfjsError } from '../../errors.ts';
import { adamStateNames } from './optimizer.ts';
import type { OrtModuleLike, OrtSessionLike, OrtTensorLike } from './runtime.ts';

/** A parameter's name, shape and starting value. */
export interface LoopParam {
  name: string;
  shape: readonly number[];
  data: Float32Array;
}

/** The graphs a loop runs: 'step' for whole batches, 'grads' + 'apply' for accumulation. */
export interface LoopGraphs {
  step?: Uint8Array;
  grads?: Uint8Array;
  apply?: Uint8Array;
}

/** One micro-batch: its data feeds and its share of the batch's examples. */
export interface MicroBatchFeeds {
  feeds: Record<string, OrtTensorLike>;
  weight: number;
}

/** What one step reports. */
export interface LoopStepResult {
  loss: number;
  gradNorm: number;
  /** Bytes the binding copied out to JavaScript this step (fresh arrays it returns besides writing the bound buffers). */
  bytesOut: number;
  /** Bytes onnxruntime wrote into the loop's pre-allocated buffers this step (updated state, accumulators). */
  bytesInPlace: number;
}

/** The optimizer state, for checkpoints (by parameter name). */
export interface LoopState {
  step: number;
  m: Map<string, Float32Array>;
  v: Map<string, Float32Array>;
}

/** Holds the training state and runs the graphs. */
export class OnnxTrainLoop {
  readonly #ort: OrtModuleLike;
  readonly #sessions: { step?: OrtSessionLike; grads?: OrtSessionLike; apply?: OrtSessionLike };
  readonly #shapes = new Map<string, readonly number[]>();
  #w = new Map<string, Float32Array>();
  #m = new Map<string, Float32Array>();
  #v = new Map<string, Float32Array>();
  // The spare weights the fused step graph writes into (swapped with #w after each step; allocated on
  // the first fused step). Moments and accumulators have no spare: they are written in place.
  #w2: Map<string, Float32Array> | null = null;
  // Gradient accumulators (allocated on the first accumulated step).
  #acc: Map<string, Float32Array> | null = null;
  #step = 0;

  private constructor(
    ort: OrtModuleLike,
    sessions: { step?: OrtSessionLike; grads?: OrtSessionLike; apply?: OrtSessionLike },
    params: readonly LoopParam[],
  ) {
    this.#ort = ort;
    this.#sessions = sessions;
    for (const p of params) {
      this.#shapes.set(p.name, p.shape);
      this.#w.set(p.name, Float32Array.from(p.data));
      this.#m.set(p.name, new Float32Array(p.data.length));
      this.#v.set(p.name, new Float32Array(p.data.length));
    }
  }

  /** Creates the sessions of `graphs` and a loop starting from `params` with zero moments. */
  static async open(
    ort: OrtModuleLike,
    graphs: LoopGraphs,
    params: readonly LoopParam[],
    sessionOptions: Record<string, unknown> = {},
  ): Promise<OnnxTrainLoop> {
    if (!graphs.step && !(graphs.grads && graphs.apply))
      throw new Bert4tfjsError("OnnxTrainLoop: give a 'step' graph or both 'grads' and 'apply'", 'bad-argument');
    const make = async (b?: Uint8Array) => (b ? await ort.InferenceSession.create(b, sessionOptions) : undefined);
    const sessions = {
      step: await make(graphs.step),
      grads: await make(graphs.grads),
      apply: await make(graphs.apply),
    };
    return new OnnxTrainLoop(ort, sessions, params);
  }

  /** Updates applied so far. */
  get iterations(): number {
    return this.#step;
  }

  /**
   * The current weights by parameter name (graph layout; the arrays are the loop's own: do not edit,
   * and copy what must outlive the next step, which reuses them as its output buffers).
   */
  weights(): ReadonlyMap<string, Float32Array> {
    return this.#w;
  }

  /** The optimizer state (copies). */
  getState(): LoopState {
    const copy = (m: Map<string, Float32Array>) => new Map([...m].map(([k, a]) => [k, Float32Array.from(a)]));
    return { step: this.#step, m: copy(this.#m), v: copy(this.#v) };
  }

  /** Restores weights (when given) and optimizer state; every array must match its parameter's size. */
  setState(state: LoopState, weights?: ReadonlyMap<string, Float32Array>): void {
    const put = (into: Map<string, Float32Array>, from: ReadonlyMap<string, Float32Array>, what: string) => {
      for (const [name, cur] of into) {
        const a = from.get(name);
        if (!a || a.length !== cur.length)
          throw new Bert4tfjsError(
            `OnnxTrainLoop.setState: ${what} of '${name}' is ${a ? `${a.length} values, expected ${cur.length}` : 'missing'}`,
            'bad-checkpoint',
          );
        into.set(name, Float32Array.from(a));
      }
    };
    if (weights) put(this.#w, weights, 'weight');
    put(this.#m, state.m, 'first moment');
    put(this.#v, state.v, 'second moment');
    this.#step = state.step;
  }

  #tensor(data: Float32Array, shape: readonly number[]): OrtTensorLike {
    return new this.#ort.Tensor('float32', data, shape);
  }

  #stateFeeds(): Record<string, OrtTensorLike> {
    const feeds: Record<string, OrtTensorLike> = {};
    for (const [name, shape] of this.#shapes) {
      const s = adamStateNames(name);
      feeds[name] = this.#tensor(this.#w.get(name)!, shape);
      feeds[s.m] = this.#tensor(this.#m.get(name)!, shape);
      feeds[s.v] = this.#tensor(this.#v.get(name)!, shape);
    }
    return feeds;
  }

  /**
   * Where the updated weights go: the fused step graph reads a weight after the optimizer could have
   * written it (the input gradient of a lower layer uses it), so its updates go to the spare set; the
   * apply graph reads each weight only in the nodes that compute its update, so it writes in place.
   */
  #weightTargets(inPlace: boolean): Map<string, Float32Array> {
    if (inPlace) return this.#w;
    this.#w2 ??= new Map([...this.#w].map(([k, w]) => [k, new Float32Array(w.length)]));
    return this.#w2;
  }

  /**
   * Fetches binding every updated weight (see #weightTargets) and moment (in place: each is read only by
   * the nodes computing its update, and the graph keeps it unchanged on a non-finite step) to our
   * buffers, plus the scalars onnxruntime allocates.
   */
  #stateFetches(weightsInPlace: boolean): Record<string, OrtTensorLike | null> {
    const fetches: Record<string, OrtTensorLike | null> = { grad_norm: null };
    const w = this.#weightTargets(weightsInPlace);
    for (const [name, shape] of this.#shapes) {
      const s = adamStateNames(name);
      fetches[s.newW] = this.#tensor(w.get(name)!, shape);
      fetches[s.newM] = this.#tensor(this.#m.get(name)!, shape);
      fetches[s.newV] = this.#tensor(this.#v.get(name)!, shape);
    }
    return fetches;
  }

  /**
   * Whether this binding writes bound outputs into our buffers: onnxruntime-node (1.14 and 1.30 both)
   * writes them there and then also returns a fresh copy. Checked once, in full, on the first step.
   */
  #boundWritten: boolean | null = null;

  /** Whether `ours` already holds `returned` (the bound buffer was written), deciding once per loop. */
  #written(ours: Float32Array, returned: Float32Array): boolean {
    if (returned.buffer === ours.buffer) return true;
    if (this.#boundWritten !== null) return this.#boundWritten;
    for (let i = 0; i < ours.length; i++)
      if (ours[i] !== returned[i] && !(Number.isNaN(ours[i]) && Number.isNaN(returned[i]))) return false;
    return true;
  }

  /** Makes the step's outputs the current state; returns [bytes the binding copied out to JavaScript, bytes written in place]. */
  #takeState(out: Record<string, OrtTensorLike>, weightsInPlace: boolean): [number, number] {
    let copied = 0;
    let inPlace = 0;
    let allWritten = true;
    const take = (next: Map<string, Float32Array>, name: string, t: OrtTensorLike): void => {
      const a = t.data as Float32Array;
      const mine = next.get(name)!;
      if (a.buffer !== mine.buffer) copied += a.byteLength;
      if (this.#written(mine, a)) inPlace += a.byteLength;
      else {
        allWritten = false;
        next.set(name, a);
      }
    };
    const w = this.#weightTargets(weightsInPlace);
    for (const name of this.#shapes.keys()) {
      const s = adamStateNames(name);
      take(w, name, out[s.newW]);
      take(this.#m, name, out[s.newM]);
      take(this.#v, name, out[s.newV]);
    }
    this.#boundWritten ??= allWritten;
    if (!weightsInPlace) [this.#w, this.#w2] = [w, this.#w];
    return [copied, inPlace];
  }

  /**
   * One optimizer step over `micro` (one entry: the whole batch) at learning rate `lr`. The weights
   * change only when the whole step succeeded.
   */
  async trainStep(micro: readonly MicroBatchFeeds[], lr: number): Promise<LoopStepResult> {
    if (micro.length === 0) throw new Bert4tfjsError('OnnxTrainLoop.trainStep: no micro-batches', 'bad-argument');
    const common = {
      lr: this.#tensor(Float32Array.of(lr), []),
      step: this.#tensor(Float32Array.of(this.#step + 1), []),
    };
    let bytesOut = 0;
    let bytesInPlace = 0;
    if (micro.length === 1 && this.#sessions.step) {
      const out = await this.#sessions.step.run(
        { ...micro[0].feeds, ...this.#stateFeeds(), ...common },
        { loss: null, ...this.#stateFetches(false) },
      );
      const loss = (out.loss.data as Float32Array)[0];
      const gradNorm = (out.grad_norm.data as Float32Array)[0];
      // A non-finite step leaves the state as it was: the weights were written to the spare set, and the
      // graph kept the moments unchanged.
      if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) return { loss, gradNorm, bytesOut: 0, bytesInPlace: 0 };
      [bytesOut, bytesInPlace] = this.#takeState(out, false);
      this.#step++;
      return { loss, gradNorm, bytesOut: bytesOut + 8, bytesInPlace };
    }
    let loss = 0;
    this.resetAccumulators();
    for (const mb of micro) {
      const r = await this.accumulate(mb.feeds, mb.weight);
      bytesOut += r.bytesOut;
      bytesInPlace += r.bytesInPlace;
      if (!Number.isFinite(r.loss)) return { loss: r.loss, gradNorm: r.gradNorm, bytesOut, bytesInPlace };
      loss += r.loss * mb.weight;
    }
    const r = await this.applyAccumulated(lr);
    return { loss, gradNorm: r.gradNorm, bytesOut: bytesOut + r.bytesOut, bytesInPlace: bytesInPlace + r.bytesInPlace };
  }

  #gradSessions(): { grads: OrtSessionLike; apply: OrtSessionLike } {
    const { grads, apply } = this.#sessions;
    if (!grads || !apply)
      throw new Bert4tfjsError('OnnxTrainLoop: micro-batches need the grads and apply graphs', 'bad-argument');
    return { grads, apply };
  }

  /** The accumulators, allocated on first use. */
  #accumulatorSet(): Map<string, Float32Array> {
    this.#acc ??= new Map([...this.#w].map(([k, w]) => [k, new Float32Array(w.length)]));
    return this.#acc;
  }

  /** Zeroes the gradient accumulators. */
  resetAccumulators(): void {
    for (const a of this.#accumulatorSet().values()) a.fill(0);
  }

  /**
   * The gradient accumulators (Σ weight · gradient since the last update, by parameter name; the loop's
   * own arrays: copy what must outlive the next micro-batch).
   */
  accumulators(): ReadonlyMap<string, Float32Array> {
    return this.#accumulatorSet();
  }

  /** Restores the accumulators (a checkpoint taken between micro-batches); every size must match. */
  setAccumulators(acc: ReadonlyMap<string, Float32Array>): void {
    const current = this.#accumulatorSet();
    for (const [name, cur] of current) {
      const a = acc.get(name);
      if (!a || a.length !== cur.length)
        throw new Bert4tfjsError(
          `OnnxTrainLoop.setAccumulators: accumulator of '${name}' is ${a ? `${a.length} values, expected ${cur.length}` : 'missing'}`,
          'bad-checkpoint',
        );
      cur.set(a);
    }
  }

  /**
   * Runs the 'grads' graph on one micro-batch, adding `weight` times its gradient into the accumulators
   * (written in place: each is read only by the node that adds to it, and the graph keeps it unchanged
   * when the gradient is not finite); a non-finite loss or gradient norm leaves them as they were. `gradNorm` is the micro-batch's own gradient norm (0 when the graph has no
   * `grad_norm` output).
   */
  async accumulate(feeds: Record<string, OrtTensorLike>, weight: number): Promise<LoopStepResult> {
    const { grads } = this.#gradSessions();
    const acc = this.#accumulatorSet();
    const all: Record<string, OrtTensorLike> = { ...feeds, grad_weight: this.#tensor(Float32Array.of(weight), []) };
    const fetches: Record<string, OrtTensorLike | null> = { loss: null };
    if (grads.outputNames.includes('grad_norm')) fetches.grad_norm = null;
    for (const [name, shape] of this.#shapes) {
      all[name] = this.#tensor(this.#w.get(name)!, shape);
      all[`${name}::acc`] = this.#tensor(acc.get(name)!, shape);
      fetches[`${name}::acc_new`] = this.#tensor(acc.get(name)!, shape);
    }
    const out = await grads.run(all, fetches);
    const loss = (out.loss.data as Float32Array)[0];
    const gradNorm = out.grad_norm ? (out.grad_norm.data as Float32Array)[0] : 0;
    if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) return { loss, gradNorm, bytesOut: 0, bytesInPlace: 0 };
    let bytesOut = 0;
    let bytesInPlace = 0;
    for (const name of this.#shapes.keys()) {
      const a = out[`${name}::acc_new`].data as Float32Array;
      const mine = acc.get(name)!;
      if (a.buffer !== mine.buffer) bytesOut += a.byteLength;
      if (this.#written(mine, a)) bytesInPlace += a.byteLength;
      else acc.set(name, a);
    }
    return { loss, gradNorm, bytesOut, bytesInPlace };
  }

  /**
   * The optimizer step on the accumulated gradients at learning rate `lr`, then zeroes the accumulators;
   * a non-finite gradient norm leaves weights, moments and accumulators as they were.
   */
  async applyAccumulated(lr: number): Promise<{ gradNorm: number; bytesOut: number; bytesInPlace: number }> {
    const { apply } = this.#gradSessions();
    const acc = this.#accumulatorSet();
    const feeds: Record<string, OrtTensorLike> = {
      ...this.#stateFeeds(),
      lr: this.#tensor(Float32Array.of(lr), []),
      step: this.#tensor(Float32Array.of(this.#step + 1), []),
    };
    for (const [name, shape] of this.#shapes) feeds[`${name}::acc`] = this.#tensor(acc.get(name)!, shape);
    const out = await apply.run(feeds, this.#stateFetches(true));
    const gradNorm = (out.grad_norm.data as Float32Array)[0];
    if (!Number.isFinite(gradNorm)) return { gradNorm, bytesOut: 0, bytesInPlace: 0 };
    const [bytesOut, bytesInPlace] = this.#takeState(out, true);
    this.#step++;
    this.resetAccumulators();
    return { gradNorm, bytesOut, bytesInPlace };
  }

  /** Releases the sessions. */
  async dispose(): Promise<void> {
    for (const s of Object.values(this.#sessions)) await s?.release?.();
  }
}
