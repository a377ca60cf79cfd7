/**
 * Runs training-step graphs (see GradTape / emitAdamW) with onnxruntime, keeping the weights, Adam
 * moments and step count in JavaScript between steps: each step feeds them as input tensors (views of
 * our buffers, not copies) and takes the updated ones from the outputs, which become the next step's
 * inputs. A batch split into micro-batches runs the 'grads' graph per micro-batch (gradients added into
 * accumulators, weighted by each micro-batch's share of the examples) and then the 'apply' graph.
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
  /** Bytes of tensors that onnxruntime returned to JavaScript this step (the updated state and the loss). */
  bytesOut: number;
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
  #acc = new Map<string, Float32Array>();
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

  /** The current weights by parameter name (graph layout; the arrays are the loop's own, do not edit). */
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

  #takeState(out: Record<string, OrtTensorLike>): number {
    let bytes = 0;
    for (const name of this.#shapes.keys()) {
      const s = adamStateNames(name);
      this.#w.set(name, out[s.newW].data as Float32Array);
      this.#m.set(name, out[s.newM].data as Float32Array);
      this.#v.set(name, out[s.newV].data as Float32Array);
      bytes += 3 * out[s.newW].data.byteLength;
    }
    return bytes;
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
    if (micro.length === 1 && this.#sessions.step) {
      const out = await this.#sessions.step.run({ ...micro[0].feeds, ...this.#stateFeeds(), ...common });
      const loss = (out.loss.data as Float32Array)[0];
      const gradNorm = (out.grad_norm.data as Float32Array)[0];
      if (!Number.isFinite(loss)) return { loss, gradNorm, bytesOut: 0 };
      bytesOut += this.#takeState(out) + 8;
      this.#step++;
      return { loss, gradNorm, bytesOut };
    }
    this.resetAccumulators();
    let loss = 0;
    for (const mb of micro) {
      const r = await this.accumulate(mb.feeds, mb.weight);
      loss += r.loss * mb.weight;
      bytesOut += r.bytesOut;
      if (!Number.isFinite(r.loss)) return { loss: r.loss, gradNorm: r.gradNorm, bytesOut };
    }
    const r = await this.applyAccumulated(lr);
    return { loss, gradNorm: r.gradNorm, bytesOut: bytesOut + r.bytesOut };
  }

  #gradSessions(): { grads: OrtSessionLike; apply: OrtSessionLike } {
    const { grads, apply } = this.#sessions;
    if (!grads || !apply)
      throw new Bert4tfjsError(
        'OnnxTrainLoop: micro-batches need the grads and apply graphs',
        'bad-argument',
      );
    return { grads, apply };
  }

  /** Zeroes the gradient accumulators. */
  resetAccumulators(): void {
    for (const [name, w] of this.#w) this.#acc.set(name, new Float32Array(w.length));
  }

  /** The gradient accumulators (Σ weight · gradient since the last update; the loop's own arrays). */
  accumulators(): ReadonlyMap<string, Float32Array> {
    if (this.#acc.size === 0) this.resetAccumulators();
    return this.#acc;
  }

  /** Restores the accumulators (a checkpoint taken between micro-batches); sizes must match. */
  setAccumulators(acc: ReadonlyMap<string, Float32Array>): void {
    for (const [name, w] of this.#w) {
      const a = acc.get(name);
      if (!a || a.length !== w.length)
        throw new Bert4tfjsError(`OnnxTrainLoop.setAccumulators: accumulator of '${name}' is ${a ? `${a.length} values, expected ${w.length}` : 'missing'}`, 'bad-checkpoint');
      this.#acc.set(name, Float32Array.from(a));
    }
  }

  /**
   * Runs the 'grads' graph on one micro-batch and adds `weight` times its gradient into the
   * accumulators; a non-finite loss leaves them unchanged. `gradNorm` is the micro-batch's own gradient
   * norm (0 when the graph does not output `grad_norm`).
   */
  async accumulate(feeds: Record<string, OrtTensorLike>, weight: number): Promise<LoopStepResult> {
    const { grads } = this.#gradSessions();
    const acc = this.accumulators();
    const all: Record<string, OrtTensorLike> = { ...feeds, grad_weight: this.#tensor(Float32Array.of(weight), []) };
    for (const [name, shape] of this.#shapes) {
      all[name] = this.#tensor(this.#w.get(name)!, shape);
      all[`${name}::acc`] = this.#tensor(acc.get(name)!, shape);
    }
    const out = await grads.run(all);
    const loss = (out.loss.data as Float32Array)[0];
    const gradNorm = out.grad_norm ? (out.grad_norm.data as Float32Array)[0] : 0;
    if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) return { loss, gradNorm, bytesOut: 0 };
    let bytesOut = 0;
    for (const name of this.#shapes.keys()) {
      const a = out[`${name}::acc_new`].data as Float32Array;
      this.#acc.set(name, a);
      bytesOut += a.byteLength;
    }
    return { loss, gradNorm, bytesOut };
  }

  /** The optimizer step on the accumulated gradients at learning rate `lr`; zeroes the accumulators. */
  async applyAccumulated(lr: number): Promise<{ gradNorm: number; bytesOut: number }> {
    const { apply } = this.#gradSessions();
    const acc = this.accumulators();
    const feeds: Record<string, OrtTensorLike> = {
      ...this.#stateFeeds(),
      lr: this.#tensor(Float32Array.of(lr), []),
      step: this.#tensor(Float32Array.of(this.#step + 1), []),
    };
    for (const [name, shape] of this.#shapes) feeds[`${name}::acc`] = this.#tensor(acc.get(name)!, shape);
    const out = await apply.run(feeds);
    const gradNorm = (out.grad_norm.data as Float32Array)[0];
    if (!Number.isFinite(gradNorm)) return { gradNorm, bytesOut: 0 };
    const bytesOut = this.#takeState(out);
    this.#step++;
    this.resetAccumulators();
    return { gradNorm, bytesOut };
  }

  /** Releases the sessions. */
  async dispose(): Promise<void> {
    for (const s of Object.values(this.#sessions)) await s?.release?.();
  }
}
