/**
 * AutoRegressiveDecoder: bert4keras's decoder for tfjs. Model-agnostic: the model supplies a step
 * function; the decoder runs greedy search, beam search or random sampling over it.
 */
import seedrandom from 'seedrandom';
import { Bert4tfjsError } from '../errors.ts';
import { beamSearchLoop } from './beam-search.ts';
import { decodeIndependent } from './independent.ts';
import { argmax, drawIndex, samplingDistribution } from './sampling.ts';
import { defaultReorderState } from './state.ts';
import { StepRunner } from './stepper.ts';
import type {
  BeamSearchOptions,
  DecodeOptions,
  Hypothesis,
  RandomSampleOptions,
  ReorderStateFn,
  StepFn,
} from './types.ts';

/** Options for {@link AutoRegressiveDecoder}. */
export interface AutoRegressiveDecoderOptions<S> {
  /** Id every output row starts with (e.g. T5's pad, BERT's [CLS]); null to start empty. */
  startId: number | null;
  /** Id that ends a sequence. */
  endId: number;
  /** Most tokens generated per sequence, end id included. */
  maxLength: number;
  /** Fewest tokens generated before the end id may appear (end id excluded). Default 0. */
  minLength?: number;
  /** The model: next-token scores for every live hypothesis. */
  step: StepFn<S>;
  /**
   * Reorders the model's cache when hypotheses are reordered. Default: gathers axis 0 of every
   * tensor in a tensor or nested arrays/records of tensors.
   */
  reorderState?: ReorderStateFn<S>;
}

function bad(message: string): never {
  throw new Bert4tfjsError(message, 'bad-argument');
}

function checkInt(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    bad(`${name} must be an integer >= ${min}, got ${String(value)}`);
  }
  return value;
}

/**
 * Autoregressive decoding over a model's step function: `greedy`, `beamSearch`, `randomSample`,
 * each batched over `numInputs` inputs (the step tells them apart by `inputIndex`) and each able
 * to follow a `constraint` such as a `PrefixTree`. Every method frees every tensor it was handed.
 */
export class AutoRegressiveDecoder<S = unknown> {
  /** Id every output row starts with, or null. */
  readonly startId: number | null;
  /** Id that ends a sequence. */
  readonly endId: number;
  /** Most tokens generated per sequence, end id included. */
  readonly maxLength: number;
  /** Fewest tokens before the end id may appear. */
  readonly minLength: number;
  private readonly step: StepFn<S>;
  private readonly reorderState: ReorderStateFn<S>;

  constructor(options: AutoRegressiveDecoderOptions<S>) {
    if (!options || typeof options !== 'object') bad('AutoRegressiveDecoder: options must be an object');
    const { startId, endId, maxLength, minLength = 0, step, reorderState = defaultReorderState } = options;
    this.startId = startId === null ? null : checkInt('AutoRegressiveDecoder: startId (or null)', startId, 0);
    this.endId = checkInt('AutoRegressiveDecoder: endId', endId, 0);
    this.maxLength = checkInt('AutoRegressiveDecoder: maxLength', maxLength, 1);
    this.minLength = checkInt('AutoRegressiveDecoder: minLength', minLength, 0);
    if (this.minLength > this.maxLength)
      bad(`AutoRegressiveDecoder: minLength ${minLength} exceeds maxLength ${maxLength}`);
    if (typeof step !== 'function')
      bad('AutoRegressiveDecoder: step must be a function (outputIds, state, inputIndex) => { logits, state }');
    if (typeof reorderState !== 'function')
      bad('AutoRegressiveDecoder: reorderState must be a function (state, indices) => state');
    this.step = step;
    this.reorderState = reorderState;
  }

  /**
   * Greedy search: always the most likely next token. `options` may be just the number of
   * inputs. Returns one hypothesis per input.
   */
  async greedy(options: number | DecodeOptions = {}): Promise<Hypothesis[]> {
    const opts = typeof options === 'number' ? { numInputs: options } : options;
    const { numInputs, minEnds } = this.common('greedy', opts);
    const results = await this.withRunner(opts, (runner) =>
      decodeIndependent(runner, {
        numInputs,
        copies: 1,
        maxLength: this.maxLength,
        endId: this.endId,
        minEnds,
        pick: argmax,
      }),
    );
    return results.map((r) => r[0]);
  }

  /**
   * Beam search with `topK` beams per input. Returns, per input, the finished hypothesis with the
   * best score / length^lengthPenalty; when none finished within maxLength, the best live one.
   */
  async beamSearch(options: BeamSearchOptions): Promise<Hypothesis[]> {
    const { numInputs, minEnds } = this.common('beamSearch', options);
    const beams = checkInt('beamSearch: topK', options.topK, 1);
    const lengthPenalty = options.lengthPenalty ?? 0;
    if (typeof lengthPenalty !== 'number' || !Number.isFinite(lengthPenalty) || lengthPenalty < 0) {
      bad(`beamSearch: lengthPenalty must be a finite number >= 0, got ${String(lengthPenalty)}`);
    }
    return this.withRunner(options, (runner) =>
      beamSearchLoop(runner, {
        numInputs,
        beams,
        maxLength: this.maxLength,
        endId: this.endId,
        minEnds,
        lengthPenalty,
      }),
    );
  }

  /**
   * Random sampling: `n` samples per input, each drawn token by token from the model's
   * distribution at `temperature`, restricted by `topK` / `topP`. The same `seed` gives the same
   * samples. Returns result[input][sample].
   */
  async randomSample(options: RandomSampleOptions): Promise<Hypothesis[][]> {
    const { numInputs, minEnds } = this.common('randomSample', options);
    const copies = checkInt('randomSample: n', options.n, 1);
    const { temperature = 1, topK, topP = 1, seed } = options;
    if (seed !== undefined && typeof seed !== 'string' && typeof seed !== 'number') {
      bad(`randomSample: seed must be a string or number, got ${typeof seed}`);
    }
    const filter = { temperature, topK, topP };
    // Validate the filter once up front, so a bad option fails before the model runs.
    samplingDistribution([0], filter);
    const random = seed === undefined ? seedrandom() : seedrandom(String(seed));
    const pick = (row: Float32Array): number => drawIndex(samplingDistribution(row, filter), random());
    return this.withRunner(options, (runner) =>
      decodeIndependent(runner, { numInputs, copies, maxLength: this.maxLength, endId: this.endId, minEnds, pick }),
    );
  }

  private common(method: string, options: DecodeOptions): { numInputs: number; minEnds: number } {
    if (!options || typeof options !== 'object') bad(`${method}: options must be an object`);
    const numInputs = checkInt(`${method}: numInputs`, options.numInputs ?? 1, 1);
    const minEnds = checkInt(`${method}: minEnds`, options.minEnds ?? 1, 1);
    const c = options.constraint;
    if (c !== undefined && (c === null || typeof c.allowedNext !== 'function')) {
      bad(`${method}: constraint must have an allowedNext(prefix, inputIndex) method`);
    }
    return { numInputs, minEnds };
  }

  private async withRunner<T>(options: DecodeOptions, run: (runner: StepRunner<S>) => Promise<T>): Promise<T> {
    const runner = new StepRunner<S>({
      step: this.step,
      reorderState: this.reorderState,
      startId: this.startId,
      endId: this.endId,
      minLength: this.minLength,
      constraint: options.constraint,
    });
    try {
      return await run(runner);
    } finally {
      runner.dispose();
    }
  }
}
