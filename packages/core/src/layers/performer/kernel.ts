/**
 * The stateful side of Performer attention: option parsing, the projection buffer (seeded, deterministic,
 * redrawn every N training calls if asked) and the AttentionKernel that MultiHeadAttention calls. The
 * projection is not a layer weight, so a softmax checkpoint loads into a Performer model unchanged.
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../../errors.ts';
import type { AttentionKernel, AttentionKernelInputs } from '../attention-kernel.ts';
import type { AttentionOption } from '../attention.ts';
import type { CausalStabilizer } from './causal.ts';
import { checkProjection, type PerformerFeatureKernel } from './features.ts';
import { DEFAULT_CHUNK_SIZE, favorAttention } from './favor.ts';
import { createProjection, mixSeed } from './projection.ts';

/** `attention` option selecting Performer (FAVOR+) attention in any model. */
export interface PerformerAttentionOption {
  type: 'performer';
  /** Random features m; default 256. More features, smaller error (~1/sqrt(m)), cost O(L·m·d). */
  features?: number;
  /** Feature map: 'softmax' (FAVOR+, approximates softmax attention; default) or 'relu'. */
  kernel?: PerformerFeatureKernel;
  /** Redraw the projection every N training calls, or 'never' (default). Inference never redraws. */
  redraw?: 'never' | number;
  /** Seed of the projection; each layer mixes in its name, so layers differ but rebuilds agree. Default 0. */
  seed?: number;
  /** Causal softmax only: 'prefix' (default, strictly causal) or 'global' (the reference's stabiliser). */
  causalStabilizer?: CausalStabilizer;
  /** Causal only: block length of the chunked prefix sums; default 128. */
  chunkSize?: number;
}

/** A fully resolved {@link PerformerAttentionOption}. */
export type ResolvedPerformerOption = Required<PerformerAttentionOption>;

/** Default number of random features. */
export const DEFAULT_PERFORMER_FEATURES = 256;

const KNOWN_KEYS = new Set(['type', 'features', 'kernel', 'redraw', 'seed', 'causalStabilizer', 'chunkSize']);

/** Validates a performer `attention` option and fills defaults; throws Bert4tfjsError('bad-config'). */
export function resolvePerformerOption(option: AttentionOption | PerformerAttentionOption): ResolvedPerformerOption {
  const o = option as Record<string, unknown>;
  const bad = (why: string): never => {
    throw new Bert4tfjsError(`performer attention: ${why}`, 'bad-config');
  };
  if (o.type !== 'performer') bad(`type must be 'performer', got '${String(o.type)}'`);
  const unknown = Object.keys(o).filter((key) => !KNOWN_KEYS.has(key));
  if (unknown.length) bad(`unknown option(s) ${unknown.join(', ')} (known: ${[...KNOWN_KEYS].join(', ')})`);
  const features = o.features ?? DEFAULT_PERFORMER_FEATURES;
  if (typeof features !== 'number' || !Number.isInteger(features) || features < 1)
    bad(`features must be an integer >= 1, got ${String(features)}`);
  const kernel = o.kernel ?? 'softmax';
  if (kernel !== 'softmax' && kernel !== 'relu') bad(`kernel must be 'softmax' or 'relu', got '${String(kernel)}'`);
  const redraw = o.redraw ?? 'never';
  if (redraw !== 'never' && (typeof redraw !== 'number' || !Number.isInteger(redraw) || redraw < 1)) {
    bad(`redraw must be 'never' or an integer >= 1, got ${String(redraw)}`);
  }
  const seed = o.seed ?? 0;
  if (typeof seed !== 'number' || !Number.isFinite(seed)) bad(`seed must be a finite number, got ${String(seed)}`);
  const causalStabilizer = o.causalStabilizer ?? 'prefix';
  if (causalStabilizer !== 'prefix' && causalStabilizer !== 'global')
    bad(`causalStabilizer must be 'prefix' or 'global', got '${String(causalStabilizer)}'`);
  const chunkSize = o.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (typeof chunkSize !== 'number' || !Number.isInteger(chunkSize) || chunkSize < 1)
    bad(`chunkSize must be an integer >= 1, got ${String(chunkSize)}`);
  return {
    type: 'performer',
    features: features as number,
    kernel: kernel as PerformerFeatureKernel,
    redraw: redraw as 'never' | number,
    seed: seed as number,
    causalStabilizer: causalStabilizer as CausalStabilizer,
    chunkSize: chunkSize as number,
  };
}

/**
 * Performer attention for heads of size `headSize`: owns the [m, d] projection buffer. Call it like an
 * AttentionKernel; `dispose()` frees the buffer (MultiHeadAttention does this when it is disposed).
 */
export class PerformerKernel {
  readonly options: ResolvedPerformerOption;
  readonly headSize: number;
  /** Name mixed into the seed (the layer's name). */
  readonly scope: string;
  private matrix: tf.Tensor2D | null = null;
  private drawIndex = 0;
  private trainingCalls = 0;

  constructor(option: AttentionOption | PerformerAttentionOption, headSize: number, scope = '') {
    this.options = resolvePerformerOption(option);
    if (!Number.isInteger(headSize) || headSize < 1)
      throw new Bert4tfjsError(`performer attention: head size must be an integer >= 1, got ${headSize}`, 'bad-config');
    this.headSize = headSize;
    this.scope = scope;
  }

  /** The projection in use [m, d], drawn on first access (owned by the kernel: do not dispose). */
  get projection(): tf.Tensor2D {
    if (!this.matrix)
      this.matrix = tf.keep(createProjection(this.options.features, this.headSize, this.seedOf(this.drawIndex)));
    return this.matrix;
  }

  /** How many times the projection has been (re)drawn since construction, counting the first draw as 0. */
  get draws(): number {
    return this.drawIndex;
  }

  /** Replaces the projection with a copy of `projection` [m', d] (e.g. a stored one); throws if d differs. */
  setProjection(projection: tf.Tensor): void {
    checkProjection(projection, this.headSize);
    const copy = tf.keep(tf.clone(projection) as tf.Tensor2D);
    this.matrix?.dispose();
    this.matrix = copy;
  }

  /** Draws the next projection of this kernel's seeded sequence. */
  redrawProjection(): void {
    this.drawIndex += 1;
    this.matrix?.dispose();
    this.matrix = null;
  }

  /** The AttentionKernel contract; additive biases cannot be linearised, so they are refused. */
  call(inputs: AttentionKernelInputs): tf.Tensor {
    if (inputs.bias) {
      throw new Bert4tfjsError(
        'performer attention cannot apply an additive attention bias (e.g. T5 relative positions): use softmax attention for that model',
        'unsupported',
      );
    }
    if (inputs.q.shape[3] !== this.headSize) {
      throw new Bert4tfjsError(
        `performer attention: head size ${inputs.q.shape[3]} does not match the projection's ${this.headSize}`,
        'bad-shape',
      );
    }
    if (inputs.training && this.options.redraw !== 'never') {
      if (this.trainingCalls > 0 && this.trainingCalls % this.options.redraw === 0) this.redrawProjection();
      this.trainingCalls += 1;
    }
    // Attention-probability dropout has no counterpart here: no L×L probabilities exist.
    return favorAttention(
      { q: inputs.q, k: inputs.k, v: inputs.v, keyMask: inputs.keyMask, causal: inputs.causal, scale: inputs.scale },
      this.projection,
      {
        kernel: this.options.kernel,
        causalStabilizer: this.options.causalStabilizer,
        chunkSize: this.options.chunkSize,
      },
    );
  }

  /** Frees the projection buffer. */
  dispose(): void {
    this.matrix?.dispose();
    this.matrix = null;
  }

  private seedOf(draw: number): number {
    return mixSeed(this.options.seed, this.scope, draw);
  }
}

/** Wraps a {@link PerformerKernel} as an AttentionKernel function (with `dispose` and `performer` attached). */
export function performerAttentionKernel(kernel: PerformerKernel): AttentionKernel & { performer: PerformerKernel } {
  const fn = ((inputs: AttentionKernelInputs) => kernel.call(inputs)) as AttentionKernel & {
    performer: PerformerKernel;
  };
  fn.dispose = () => kernel.dispose();
  fn.performer = kernel;
  return fn;
}
