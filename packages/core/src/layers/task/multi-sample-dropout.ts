/**
 * Multi-sample dropout (Inoue 2019): in training, the output head is applied to N independently
 * dropped-out copies of its input and the N outputs are averaged, which trains like N dropout samples per
 * step at the cost of one backbone pass. At inference dropout is off and the head runs once.
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../../errors.ts';
import { getActivation } from '../../ops/activations.ts';
import { dense } from '../../ops/matmul.ts';
import {
  bertInitializer,
  isTraining,
  registerLayer,
  type Kwargs,
  type LayerArgs,
  type LayerConfig,
  type Shape,
} from '../base.ts';

/** Options of {@link MultiSampleDropout}. */
export interface MultiSampleDropoutArgs extends LayerArgs {
  /** Output units of the shared dense head. */
  units: number;
  /** Number of dropout samples N. Default 5. */
  samples?: number;
  /** Dropout rate of each sample. Default 0.5. */
  rate?: number;
  /** Activation of the head, applied per sample before averaging. Default 'linear'. */
  activation?: string;
  useBias?: boolean;
  initializerRange?: number;
  /** Seed of the dropout masks: call k, sample i uses seed + k·N + i (reproducible); none = random. */
  seed?: number | null;
}

/**
 * y = (1/N) Σ_i act(dropout_i(x) W + b) in training, act(x W + b) at inference; x [..., D] -> [..., units].
 * Weights: `kernel` [D, units], `bias` [units].
 */
export class MultiSampleDropout extends tf.layers.Layer {
  static className = 'bert4tfjs.MultiSampleDropout';
  readonly units: number;
  readonly samples: number;
  readonly rate: number;
  readonly activation: string;
  readonly useBias: boolean;
  readonly initializerRange: number;
  readonly seed: number | null;
  private kernel!: tf.LayerVariable;
  private bias: tf.LayerVariable | null = null;
  private calls = 0;

  constructor(args: MultiSampleDropoutArgs) {
    super(args);
    this.units = args.units;
    this.samples = args.samples ?? 5;
    this.rate = args.rate ?? 0.5;
    this.activation = args.activation ?? 'linear';
    this.useBias = args.useBias ?? true;
    this.initializerRange = args.initializerRange ?? 0.02;
    this.seed = args.seed ?? null;
    if (!Number.isInteger(this.samples) || this.samples < 1) {
      throw new Bert4tfjsError(`${this.name}: samples must be a positive integer, got ${this.samples}`, 'bad-config');
    }
    if (!(this.rate >= 0 && this.rate < 1))
      throw new Bert4tfjsError(`${this.name}: rate must be in [0, 1), got ${this.rate}`, 'bad-config');
    getActivation(this.activation);
  }

  override build(inputShape: Shape | Shape[]): void {
    const s = inputShape as Shape;
    this.kernel = this.addWeight(
      'kernel',
      [s[s.length - 1] as number, this.units],
      'float32',
      bertInitializer(this.initializerRange),
    );
    if (this.useBias) this.bias = this.addWeight('bias', [this.units], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const s = inputShape as Shape;
    return [...s.slice(0, -1), this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      const act = getActivation(this.activation);
      const head = (h: tf.Tensor) => act(dense(h, this.kernel.read(), this.bias?.read() ?? null));
      if (!isTraining(kwargs) || this.rate === 0) return head(x);
      const first = this.seed === null ? null : this.seed + this.calls * this.samples;
      this.calls++;
      const outs: tf.Tensor[] = [];
      for (let i = 0; i < this.samples; i++)
        outs.push(head(tf.dropout(x, this.rate, undefined, first === null ? undefined : first + i)));
      return tf.div(tf.addN(outs), this.samples);
    });
  }

  override getConfig(): LayerConfig {
    return {
      ...super.getConfig(),
      units: this.units,
      samples: this.samples,
      rate: this.rate,
      activation: this.activation,
      useBias: this.useBias,
      initializerRange: this.initializerRange,
      seed: this.seed,
    };
  }
}
registerLayer(MultiSampleDropout);
