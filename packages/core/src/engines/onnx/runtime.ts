/**
 * onnxruntime-node, loaded at run time (it is a native module that may be missing for a platform), and
 * the small part of its API the training engine uses, typed here.
 */
import { createRequire } from 'node:module';
import { Bert4tfjsError } from '../../errors.ts';

/** An onnxruntime tensor. */
export interface OrtTensorLike {
  readonly data: Float32Array | BigInt64Array | Int32Array | Uint8Array;
  readonly dims: readonly number[];
  readonly type: string;
}
/** An onnxruntime inference session. */
export interface OrtSessionLike {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(
    feeds: Record<string, OrtTensorLike>,
    fetches?: readonly string[] | Record<string, OrtTensorLike | null>,
  ): Promise<Record<string, OrtTensorLike>>;
  release?(): Promise<void>;
}
/** The onnxruntime-node module. */
export interface OrtModuleLike {
  Tensor: new (
    type: 'float32' | 'int64' | 'bool',
    data: Float32Array | BigInt64Array | Uint8Array,
    dims: readonly number[],
  ) => OrtTensorLike;
  InferenceSession: { create(model: Uint8Array | string, options?: Record<string, unknown>): Promise<OrtSessionLike> };
}

let cached: { ort: OrtModuleLike; version: string } | null = null;

/** Loads onnxruntime-node (once); throws a Bert4tfjsError saying why when it cannot. */
export function loadOrt(): { ort: OrtModuleLike; version: string } {
  if (cached) return cached;
  const req = createRequire(import.meta.url);
  try {
    const ort = req('onnxruntime-node') as OrtModuleLike;
    const version = (req('onnxruntime-node/package.json') as { version: string }).version;
    cached = { ort, version };
    return cached;
  } catch (err) {
    throw new Bert4tfjsError(
      `onnxruntime-node could not be loaded (${(err as Error).message.split('\n')[0]})`,
      'missing-dependency',
    );
  }
}

/** Session options of the training graph: CPU, all graph optimizations, `threads` intra-op threads when given. */
export function trainingSessionOptions(threads?: number): Record<string, unknown> {
  const o: Record<string, unknown> = { executionProviders: ['cpu'], graphOptimizationLevel: 'all' };
  if (threads) o.intraOpNumThreads = threads;
  return o;
}
