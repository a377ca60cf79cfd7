/**
 * Lets tfjs-layers train with our optimizers: `model.compile({ optimizer: toTfjsOptimizer(adamW()) })`.
 * The adapter is a registered tf.Optimizer, so `model.save(..., { includeOptimizer: true })` and
 * `tf.loadLayersModel` keep the optimizer, its config and its state.
 */
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../../errors.ts';
import { optimizerFromConfig } from './registry.ts';
import type { Optimizer, OptimizerConfig } from './types.ts';

/** A tensor with its name, as tf.Optimizer's weight methods exchange them. */
type NamedTensor = { name: string; tensor: tf.Tensor };

/** A tf.Optimizer that forwards to one of our optimizers (gradients by variable name). */
export class TfjsOptimizerAdapter extends tf.Optimizer {
  /** The serialization name. */
  static className = 'Bert4tfjsOptimizer';
  /** Tensors handed out by the last getWeights(): tfjs never frees them, so we do on the next call. */
  private lent: tf.Tensor[] = [];

  constructor(readonly optimizer: Optimizer) {
    super();
    const o = optimizer as Partial<Optimizer> | null;
    if (o === null || typeof o !== 'object' || typeof o.applyGradients !== 'function') {
      throw new Bert4tfjsError('toTfjsOptimizer: expected one of our optimizers, e.g. adam()', 'bad-argument');
    }
    this.iterations_ = optimizer.iterations;
  }

  /** Looks every gradient's variable up by name in the tfjs engine, then steps the wrapped optimizer. */
  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const grads = new Map<string, tf.Tensor>(
      Array.isArray(variableGradients)
        ? variableGradients.map((g) => [g.name, g.tensor] as const)
        : Object.entries(variableGradients),
    );
    const registered = tf.engine().registeredVariables;
    const vars = new Map<string, tf.Variable>();
    for (const name of grads.keys()) {
      const v = registered[name];
      if (v === undefined)
        throw new Bert4tfjsError(`TfjsOptimizerAdapter: no registered variable named '${name}'`, 'bad-argument');
      vars.set(name, v);
    }
    this.optimizer.applyGradients(grads, vars);
    this.iterations_ = this.optimizer.iterations;
  }

  /** The wrapped optimizer's state; valid until the next getWeights() or dispose(). */
  override async getWeights(): Promise<NamedTensor[]> {
    this.releaseLent();
    const state = this.optimizer.getState();
    this.lent = [...state.values()];
    return [...state].map(([name, tensor]) => ({ name, tensor }));
  }

  /** Restores state saved by getWeights() (the tensors are copied). */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    this.optimizer.setState(new Map(weightValues.map((w) => [w.name, w.tensor] as const)));
    this.iterations_ = this.optimizer.iterations;
  }

  /** Our config as one base64 JSON string: tfjs-layers camel-cases every string and key it reloads. */
  override getConfig(): tf.serialization.ConfigDict {
    return { bert4tfjs: Buffer.from(JSON.stringify(this.optimizer.getConfig()), 'utf8').toString('base64') };
  }

  /** Rebuilds the adapter and its optimizer from getConfig()'s output. */
  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    const encoded = config.bert4tfjs;
    if (typeof encoded !== 'string') {
      throw new Bert4tfjsError(
        `${TfjsOptimizerAdapter.className}.fromConfig: missing the 'bert4tfjs' config string`,
        'bad-config',
      );
    }
    const inner = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as OptimizerConfig;
    return new (cls as unknown as new (o: Optimizer) => T)(optimizerFromConfig(inner));
  }

  override dispose(): void {
    this.releaseLent();
    this.optimizer.dispose();
  }

  private releaseLent(): void {
    for (const t of this.lent) t.dispose();
    this.lent = [];
  }
}

tf.serialization.registerClass(TfjsOptimizerAdapter);

/** Wraps one of our optimizers for `model.compile({ optimizer })` / `model.fit`. */
export function toTfjsOptimizer(optimizer: Optimizer): TfjsOptimizerAdapter {
  return new TfjsOptimizerAdapter(optimizer);
}
