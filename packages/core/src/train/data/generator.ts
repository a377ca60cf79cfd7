/**
 * `DataGenerator`: batches over an in-memory dataset, seeded shuffling and length bucketing. The order
 * of epoch e is a pure function of (seed, e), so a position (epoch, step) is all a checkpoint must
 * remember to resume on the very same batches.
 */
import seedrandom from 'seedrandom';
import { Bert4tfjsError } from '../../errors.ts';
import { checkNumber, checkOptionNames, describe } from '../losses/checks.ts';

/** What the trainer needs from a data source: epochs of batches it can start at any step. */
export interface BatchSource<B> {
  /** Batches per epoch (> 0). */
  readonly stepsPerEpoch: number;
  /** The batches of epoch `epoch` (0-based), starting at batch `start`. */
  batches(epoch: number, start?: number): Iterable<B>;
  /** Facts that must match when a checkpoint is resumed (size, batch size, seed, ...). */
  fingerprint(): Record<string, number | string | boolean>;
}

/** Options of {@link DataGenerator}. */
export interface DataGeneratorOptions<T, B> {
  /** Examples per batch (>= 1). */
  batchSize: number;
  /** Shuffle every epoch. Default true. */
  shuffle?: boolean;
  /** Seed of the shuffles (epoch e uses seed and e). Default 0, so runs repeat unless told otherwise. */
  seed?: number;
  /**
   * Length of an example. When given, examples are sorted by length inside windows of `bucketWindow`
   * batches, cut into batches, and the batches shuffled: similar lengths share a batch, so padding shrinks.
   */
  bucketBy?: (example: T) => number;
  /** Batches per sorting window when bucketing. Default 100. */
  bucketWindow?: number;
  /** Drop the last incomplete batch of an epoch. Default false. */
  dropRemainder?: boolean;
  /** Turns the examples of a batch into the batch (e.g. padding + toTensorBatch). Default: the examples array. */
  collate?: (examples: T[]) => B;
}

const OPTION_NAMES = ['batchSize', 'shuffle', 'seed', 'bucketBy', 'bucketWindow', 'dropRemainder', 'collate'];

/**
 * Batches over an array of examples. Iterate one epoch with `for (const b of gen)`, `for await`, or
 * `forEach`; each full pass advances `epoch`. The trainer uses {@link DataGenerator.batches} directly.
 */
export class DataGenerator<T, B = T[]> implements BatchSource<B> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly bucketWindow: number;
  readonly dropRemainder: boolean;
  private readonly data: readonly T[];
  private readonly collate: (examples: T[]) => B;
  private readonly lengths: number[] | null;
  /** Epochs fully iterated through this object (the trainer does not move it). */
  epoch = 0;

  constructor(data: readonly T[], options: DataGeneratorOptions<T, B>) {
    const where = 'DataGenerator';
    checkOptionNames(where, options, OPTION_NAMES);
    if (options === undefined) throw new Bert4tfjsError(`${where}: options { batchSize } are required`, 'bad-argument');
    if (!Array.isArray(data))
      throw new Bert4tfjsError(`${where}: data must be an array of examples, got ${describe(data)}`, 'bad-argument');
    this.batchSize = checkNumber(where, 'batchSize', options.batchSize, { min: 1, integer: true });
    this.seed = checkNumber(where, 'seed', options.seed ?? 0, { integer: true });
    this.bucketWindow = checkNumber(where, 'bucketWindow', options.bucketWindow ?? 100, { min: 1, integer: true });
    this.shuffle = options.shuffle ?? true;
    this.dropRemainder = options.dropRemainder ?? false;
    this.collate = options.collate ?? ((xs: T[]) => xs as unknown as B);
    if (data.length === 0)
      throw new Bert4tfjsError(
        `${where}: the dataset is empty (0 examples); there is nothing to train on`,
        'empty-dataset',
      );
    if (this.dropRemainder && data.length < this.batchSize) {
      throw new Bert4tfjsError(
        `${where}: ${data.length} examples make no full batch of ${this.batchSize} and dropRemainder is set; the epoch would be empty`,
        'empty-dataset',
      );
    }
    this.data = data;
    this.lengths =
      options.bucketBy === undefined
        ? null
        : data.map((x, i) => {
            const n = options.bucketBy!(x);
            if (typeof n !== 'number' || !Number.isFinite(n))
              throw new Bert4tfjsError(
                `${where}: bucketBy returned ${describe(n)} for example ${i}; expected a finite number`,
                'bad-argument',
              );
            return n;
          });
  }

  /** Number of examples. */
  get size(): number {
    return this.data.length;
  }

  /** Batches per epoch. */
  get stepsPerEpoch(): number {
    const n = this.data.length / this.batchSize;
    return this.dropRemainder ? Math.floor(n) : Math.ceil(n);
  }

  /** Alias of {@link stepsPerEpoch} (bert4keras's `steps`). */
  get steps(): number {
    return this.stepsPerEpoch;
  }

  /** The example indices of every batch of epoch `epoch`, in order. Deterministic in (seed, epoch). */
  indexBatches(epoch: number): number[][] {
    checkNumber('DataGenerator.indexBatches', 'epoch', epoch, { min: 0, integer: true });
    const rng = seedrandom(`bert4tfjs:${this.seed}:${epoch}`);
    const order = [...this.data.keys()];
    if (this.shuffle) shuffleInPlace(order, rng);
    let batches: number[][];
    if (this.lengths === null) {
      batches = cut(order, this.batchSize);
    } else {
      const lengths = this.lengths;
      const window = this.bucketWindow * this.batchSize;
      batches = [];
      for (let w = 0; w < order.length; w += window) {
        // Stable sort by length; ties keep the shuffled order.
        const chunk = order
          .slice(w, w + window)
          .map((i, pos) => [i, pos])
          .sort((a, b) => lengths[a[0]] - lengths[b[0]] || a[1] - b[1])
          .map((p) => p[0]);
        batches.push(...cut(chunk, this.batchSize));
      }
      // The short batch, if any, is the last one: keep it last so dropRemainder can drop it.
      const partial = batches.length > 0 && batches[batches.length - 1].length < this.batchSize ? batches.pop()! : null;
      if (this.shuffle) shuffleInPlace(batches, rng);
      if (partial) batches.push(partial);
    }
    if (this.dropRemainder && batches.length > 0 && batches[batches.length - 1].length < this.batchSize) batches.pop();
    return batches;
  }

  /** The batches of epoch `epoch`, from batch `start` on (collated lazily, one at a time). */
  *batches(epoch: number, start = 0): Generator<B> {
    checkNumber('DataGenerator.batches', 'start', start, { min: 0, integer: true });
    const all = this.indexBatches(epoch);
    for (let i = start; i < all.length; i++) yield this.collate(all[i].map((j) => this.data[j]));
  }

  /** Runs `fn` on every batch of the next epoch, then advances `epoch`. */
  async forEach(fn: (batch: B, step: number) => void | Promise<void>): Promise<void> {
    let step = 0;
    for (const b of this.batches(this.epoch)) await fn(b, step++);
    this.epoch++;
  }

  /** One epoch (the next one); `epoch` advances when it is iterated to the end. */
  *[Symbol.iterator](): Generator<B> {
    yield* this.batches(this.epoch);
    this.epoch++;
  }

  /** One epoch, asynchronously (same batches as the sync iterator). */
  async *[Symbol.asyncIterator](): AsyncGenerator<B> {
    yield* this[Symbol.iterator]();
  }

  fingerprint(): Record<string, number | string | boolean> {
    return {
      size: this.data.length,
      batchSize: this.batchSize,
      shuffle: this.shuffle,
      seed: this.seed,
      bucketing: this.lengths !== null,
      bucketWindow: this.bucketWindow,
      dropRemainder: this.dropRemainder,
    };
  }
}

function shuffleInPlace<X>(xs: X[], rng: () => number): void {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
}

function cut<X>(xs: readonly X[], size: number): X[][] {
  const out: X[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}
