/**
 * `train-matching --engine auto|onnx|tfjs`: which engine runs the optimizer steps. `onnx` runs the
 * model's training graph in onnxruntime-node and fails with the reason when it cannot; `auto` does the
 * same when onnxruntime-node loads and the graph supports every layer of the model, else falls back to
 * tfjs with a one-line reason; `tfjs` is the tfjs engine. Both run under the same Trainer.
 */
import type * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError, type Optimizer } from '@bert4tfjs/core';
import type { TransformerModel } from '@bert4tfjs/models';
import type { LabelSchema } from '../data/matching-files.ts';
import type { MatchingObjective } from './encode.ts';
import { createOnnxStepEngine, type OnnxStepEngine } from './onnx-engine.ts';

/** The engine names of `--engine`. */
export const TRAIN_ENGINES = ['auto', 'onnx', 'tfjs'] as const;
/** An `--engine` value. */
export type TrainEngineName = (typeof TRAIN_ENGINES)[number];

/** The trainable variables keyed as the Trainer keys them (originalName; the full name for a repeat). */
export function trainerKeyedVariables(model: tf.LayersModel): Map<string, tf.Variable> {
  const m = new Map<string, tf.Variable>();
  for (const w of model.trainableWeights)
    m.set(m.has(w.originalName) ? w.name : w.originalName, w.read() as tf.Variable);
  return m;
}

/** What was chosen: the engine (undefined: tfjs) and a line saying which and why. */
export interface EngineChoice {
  engine: OnnxStepEngine | undefined;
  name: 'onnx' | 'tfjs';
  note: string;
}

/** Chooses and opens the step engine of a matching run. */
export async function chooseTrainEngine(
  requested: TrainEngineName,
  built: TransformerModel,
  objective: MatchingObjective,
  schema: LabelSchema,
  optimizer: Optimizer,
  options: { seed: number; scale: number; clipNorm?: number | null; labelSmoothing?: number; unsupported?: string[] },
): Promise<EngineChoice> {
  if (!TRAIN_ENGINES.includes(requested))
    throw new Bert4tfjsError(`--engine must be one of ${TRAIN_ENGINES.join(', ')}, got '${requested}'`, 'bad-argument');
  if (requested === 'tfjs') return { engine: undefined, name: 'tfjs', note: 'engine: tfjs (--engine tfjs)' };
  try {
    if (options.unsupported?.length)
      throw new Bert4tfjsError(`the training graph does not do ${options.unsupported.join(', ')}`, 'unsupported');
    const engine = await createOnnxStepEngine(
      built,
      objective,
      schema,
      trainerKeyedVariables(built.model),
      optimizer,
      options,
    );
    return { engine, name: 'onnx', note: `engine: onnx (${engine.name}, ${engine.graphNodes} graph nodes)` };
  } catch (err) {
    if (requested === 'onnx') throw err;
    return {
      engine: undefined,
      name: 'tfjs',
      note: `engine: tfjs (onnx not used: ${(err as Error).message.split('\n')[0]})`,
    };
  }
}
