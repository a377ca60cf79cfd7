/**
 * The onnxruntime engine of `embed`: the model exported to ONNX (our own graph, see
 * @bert4tfjs/models `buildOnnxModel`) and run by onnxruntime-node, with the same tokenization, length
 * bucketing and pooling as the tfjs {@link Embedder}. The export is cached at `<model>/onnx/model.onnx`
 * with a stamp file holding the SHA-256 of the checkpoint and config it came from; when that is impossible (read-only directory,
 * or an onnx/model.onnx bert4tfjs did not write) the model is exported in memory instead.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Bert4tfjsError, writeFileAtomic } from '@bert4tfjs/core';
import { buildOnnxModel, ONNX_OPSET, type TransformerModel } from '@bert4tfjs/models';
import type { Tokenizer } from '@bert4tfjs/tokenizers';
import { EmbedderBase, type EmbedderOptions, type EmbedInput, type ProgressFn } from './embedder.ts';

/** The parts of onnxruntime-node's API used here (it is resolved at run time, so typed locally). */
export interface OrtTensor {
  data: Float32Array | BigInt64Array;
  dims: readonly number[];
}
/** An onnxruntime inference session. */
export interface OrtSession {
  inputNames: readonly string[];
  outputNames: readonly string[];
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
}
/** The onnxruntime-node module. */
export interface OrtModule {
  Tensor: new (type: 'int64' | 'float32', data: BigInt64Array | Float32Array, dims: number[]) => OrtTensor;
  InferenceSession: { create(model: string | Uint8Array, options?: Record<string, unknown>): Promise<OrtSession> };
}

/** Version of the cache stamp; bump when the exported graph changes. */
const STAMP_FORMAT = 2;
const STAMP_FILE = 'bert4tfjs-onnx.json';

/**
 * Loads onnxruntime-node (a dependency of this package; 1.14 ships its native binaries inside the npm
 * package, so installing it downloads nothing). Throws a Bert4tfjsError saying why when it does not load
 * (no native binary for this platform).
 */
export function loadOnnxRuntime(): OrtModule {
  const req = createRequire(import.meta.url);
  try {
    return req('onnxruntime-node') as OrtModule;
  } catch (err) {
    throw new Bert4tfjsError(
      `onnxruntime-node could not be loaded (${(err as Error).message.split('\n')[0]}); use --engine tfjs`,
      'missing-dependency',
    );
  }
}

/** Where the session's model came from. */
export interface OnnxSessionInfo {
  session: OrtSession;
  /** 'cache': read from `path`; 'exported': exported now and cached at `path`; 'memory': exported, not written. */
  source: 'cache' | 'exported' | 'memory';
  path: string | null;
  /** Why the export stayed in memory, when it did. */
  note?: string;
}

/** Options of {@link openOnnxSession}. */
export interface OnnxSessionOptions {
  /** Cache the export under `<model>/onnx/`. Default true. */
  cache?: boolean;
  /** onnxruntime intra-op threads (default: onnxruntime's choice, all cores). */
  threads?: number;
}

/** SHA-256 of a file, read in 8 MiB pieces (a BERT-base checkpoint is 400 MB: never whole in memory). */
function fileSha256(path: string): string {
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(8 * 1024 * 1024);
  const fd = openSync(path, 'r');
  try {
    for (let n = readSync(fd, buf, 0, buf.length, null); n > 0; n = readSync(fd, buf, 0, buf.length, null))
      hash.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/**
 * What the cached export must match: the checkpoint's and the config's contents (not size and mtime, which
 * a replacement within the same second, or a copy that keeps times, leaves unchanged), and the exporter.
 */
function fingerprint(modelDir: string): Record<string, unknown> {
  return {
    format: STAMP_FORMAT,
    opset: ONNX_OPSET,
    weightsSha256: fileSha256(join(modelDir, 'model.safetensors')),
    configSha256: fileSha256(join(modelDir, 'config.json')),
    firstLayerOutput: true,
  };
}

/**
 * An onnxruntime session for the model in `modelDir` (already loaded as `built`): the cached export
 * when it matches the checkpoint, else a fresh export (cached when possible).
 */
export async function openOnnxSession(
  ort: OrtModule,
  modelDir: string,
  built: TransformerModel,
  options: OnnxSessionOptions = {},
): Promise<OnnxSessionInfo> {
  const sessionOptions: Record<string, unknown> = { executionProviders: ['cpu'], graphOptimizationLevel: 'all' };
  if (options.threads) sessionOptions.intraOpNumThreads = options.threads;
  const dir = join(modelDir, 'onnx');
  const path = join(dir, 'model.onnx');
  const stampPath = join(dir, STAMP_FILE);
  const want = JSON.stringify(fingerprint(modelDir));
  if (
    options.cache !== false &&
    existsSync(path) &&
    existsSync(stampPath) &&
    readFileSync(stampPath, 'utf8').trim() === want
  ) {
    return { session: await ort.InferenceSession.create(path, sessionOptions), source: 'cache', path };
  }
  const { bytes } = buildOnnxModel(built, { firstLayerOutput: true });
  let note: string | undefined;
  if (options.cache === false) note = 'caching disabled';
  else if (existsSync(path) && !existsSync(stampPath)) note = `${path} was not written by bert4tfjs; left as it is`;
  else {
    try {
      writeFileAtomic(path, bytes);
      writeFileAtomic(stampPath, `${want}\n`);
      return { session: await ort.InferenceSession.create(path, sessionOptions), source: 'exported', path };
    } catch (err) {
      note = `cannot write ${path} (${(err as Error).message.split('\n')[0]})`;
    }
  }
  return { session: await ort.InferenceSession.create(bytes, sessionOptions), source: 'memory', path: null, note };
}

/** Mean over the first `n` rows of a [L, D] block starting at `off`. */
function meanRows(h: Float32Array, off: number, n: number, d: number): Float32Array {
  const out = new Float32Array(d);
  for (let t = 0; t < n; t++) for (let j = 0; j < d; j++) out[j] += h[off + t * d + j];
  const denom = Math.max(n, 1e-9);
  for (let j = 0; j < d; j++) out[j] /= denom;
  return out;
}

/** Sentence vectors from an onnxruntime session, with the tfjs Embedder's batching and pooling. */
export class OnnxEmbedder extends EmbedderBase {
  constructor(
    readonly ort: OrtModule,
    readonly session: OrtSession,
    maxPositions: number,
    tokenizer: Tokenizer | null,
    options: EmbedderOptions = {},
  ) {
    super(maxPositions, tokenizer, options);
    const needs =
      this.pooling === 'pooler'
        ? 'pooler_output'
        : this.pooling === 'first-last-avg'
          ? 'first_layer_hidden_state'
          : 'last_hidden_state';
    if (!session.outputNames.includes(needs)) {
      throw new Bert4tfjsError(
        `--pooling ${this.pooling}: the ONNX model has no '${needs}' output${needs === 'pooler_output' ? ' (this model has no pooler)' : ''}`,
        'bad-argument',
      );
    }
  }

  /** Pools one row `k` of a batch [B, L, D] (or [B, D] for the pooler) into a vector. */
  #pool(out: Record<string, OrtTensor>, k: number, len: number, n: number, d: number): Float32Array {
    const last = out.last_hidden_state.data as Float32Array;
    const off = k * len * d;
    let v: Float32Array;
    switch (this.pooling) {
      case 'cls':
        v = last.slice(off, off + d);
        break;
      case 'pooler':
        v = (out.pooler_output.data as Float32Array).slice(k * d, (k + 1) * d);
        break;
      case 'mean':
        v = meanRows(last, off, n, d);
        break;
      case 'max': {
        v = new Float32Array(d).fill(-Infinity);
        for (let t = 0; t < n; t++) for (let j = 0; j < d; j++) v[j] = Math.max(v[j], last[off + t * d + j]);
        break;
      }
      case 'first-last-avg': {
        const a = meanRows(out.first_layer_hidden_state.data as Float32Array, off, n, d);
        const b = meanRows(last, off, n, d);
        v = a.map((x, j) => (x + b[j]) / 2);
        break;
      }
      default:
        v = last.slice(off, off + n * d); // 'none': the real tokens only
    }
    if (this.normalize) {
      // Per row of D for 'none', as l2Normalize over the last axis does.
      for (let r = 0; r < v.length; r += d) {
        let s = 0;
        for (let j = 0; j < d; j++) s += v[r + j] * v[r + j];
        const norm = Math.max(Math.sqrt(s), 1e-12);
        for (let j = 0; j < d; j++) v[r + j] /= norm;
      }
    }
    return v;
  }

  /** Embeds all inputs; one Float32Array per input, in input order (per-token rows for pooling 'none'). */
  async embed(inputs: EmbedInput[], onProgress?: ProgressFn): Promise<Float32Array[]> {
    const { encoded, batches } = this.plan(inputs);
    const results: Float32Array[] = new Array(inputs.length);
    let done = 0;
    for (const idx of batches) {
      const len = Math.max(...idx.map((i) => encoded[i].ids.length));
      const ids = new BigInt64Array(idx.length * len);
      const types = new BigInt64Array(idx.length * len);
      const mask = new BigInt64Array(idx.length * len);
      idx.forEach((i, k) => {
        const e = encoded[i];
        for (let t = 0; t < e.ids.length; t++) {
          ids[k * len + t] = BigInt(e.ids[t]);
          types[k * len + t] = BigInt(e.types[t]);
          mask[k * len + t] = 1n;
        }
      });
      const dims = [idx.length, len];
      const out = await this.session.run({
        input_ids: new this.ort.Tensor('int64', ids, dims),
        attention_mask: new this.ort.Tensor('int64', mask, dims),
        token_type_ids: new this.ort.Tensor('int64', types, dims),
      }); // all outputs: onnxruntime-node 1.14 mislabels outputs when given a fetch list
      const d = out.last_hidden_state.dims[2];
      idx.forEach((orig, k) => {
        results[orig] = this.#pool(out, k, len, encoded[orig].ids.length, d);
      });
      done += idx.length;
      onProgress?.(
        done,
        idx.reduce((s, i) => s + encoded[i].ids.length, 0),
      );
    }
    return results;
  }
}
