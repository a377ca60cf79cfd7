/**
 * Training checkpoints: one directory per step (`step-00000042/`) holding the weights and the optimizer
 * state as safetensors and the trainer's own state as JSON. Each is built in a hidden temporary
 * directory and renamed into place (writeDirAtomic), and old ones are renamed away before deletion, so
 * any directory named `step-*` is complete, whenever the process dies.
 */
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Bert4tfjsError } from '../../errors.ts';
import { float32ToRaw, intToRaw, rawToFloat32, rawToInt32, type NamedTensors } from '../../io/raw-tensor.ts';
import { readSafetensors, writeSafetensors } from '../../io/safetensors.ts';
import { writeDirAtomic } from '../../utils/atomic.ts';

/** Format tag of trainer.json. */
export const CHECKPOINT_FORMAT = 'bert4tfjs-trainer-checkpoint';
const NAME = /^step-(\d+)$/;
const WEIGHTS = 'weights.safetensors';
const OPTIMIZER = 'optimizer.safetensors';
const STATE = 'trainer.json';

/** A JSON value. */
export type Json = number | string | boolean | null | Json[] | { [key: string]: Json };

/** The trainer's own state in a checkpoint. */
export interface TrainerState {
  format: typeof CHECKPOINT_FORMAT;
  version: 1;
  /** Optimizer steps done. */
  step: number;
  /** Epoch (0-based) and batch within it where training continues. */
  epoch: number;
  stepInEpoch: number;
  stepsPerEpoch: number;
  /** The data source's fingerprint (size, batch size, seed, ...), checked on resume. */
  data: Record<string, number | string | boolean>;
  /** State of callbacks (early stopping's best metric and patience count), by callback name. */
  callbacks: Record<string, Json>;
  /** The optimizer's config, for information. */
  optimizer: Json;
  /** Wall-clock time of the save (ISO 8601). */
  savedAt: string;
}

/** A complete checkpoint on disk. */
export interface CheckpointInfo {
  path: string;
  step: number;
}

/** The directory name of the checkpoint at `step`. */
export function checkpointName(step: number): string {
  return `step-${String(step).padStart(8, '0')}`;
}

/** Complete checkpoints under `dir`, oldest first (hidden temporary directories are never listed). */
export function listCheckpoints(dir: string): CheckpointInfo[] {
  if (!existsSync(dir)) return [];
  const out: CheckpointInfo[] = [];
  for (const name of readdirSync(dir)) {
    const m = NAME.exec(name);
    if (m && existsSync(join(dir, name, STATE))) out.push({ path: join(dir, name), step: Number(m[1]) });
  }
  return out.sort((a, b) => a.step - b.step);
}

/** The newest complete checkpoint under `dir`, or null. */
export function latestCheckpoint(dir: string): CheckpointInfo | null {
  const all = listCheckpoints(dir);
  return all.length ? all[all.length - 1] : null;
}

async function toRaw(tensors: Iterable<[string, tf.Tensor]>): Promise<NamedTensors> {
  const out: NamedTensors = new Map();
  for (const [key, t] of tensors) {
    const data = await t.data();
    if (t.dtype === 'float32') out.set(key, float32ToRaw(data as Float32Array, t.shape.slice()));
    else if (t.dtype === 'int32' || t.dtype === 'bool')
      out.set(key, intToRaw(data as Int32Array, t.shape.slice(), 'I32'));
    else throw new Bert4tfjsError(`checkpoint: cannot save '${key}' of dtype ${t.dtype}`, 'bad-argument');
  }
  return out;
}

/** Writes a checkpoint for `state.step` under `dir` atomically (replacing one of the same step). */
export async function saveCheckpoint(
  dir: string,
  weights: ReadonlyMap<string, tf.Variable>,
  optimizerState: ReadonlyMap<string, tf.Tensor>,
  state: TrainerState,
): Promise<CheckpointInfo> {
  const path = join(dir, checkpointName(state.step));
  const w = await toRaw(weights);
  const o = await toRaw(optimizerState);
  await writeDirAtomic(
    path,
    (tmp) => {
      writeSafetensors(join(tmp, WEIGHTS), w, { format: CHECKPOINT_FORMAT });
      writeSafetensors(join(tmp, OPTIMIZER), o, { format: CHECKPOINT_FORMAT });
      // Written last: its presence marks the directory complete (the rename already guarantees it).
      writeFileSync(join(tmp, STATE), `${JSON.stringify(state, null, 2)}\n`);
    },
    { force: true },
  );
  return { path, step: state.step };
}

/** Removes all but the newest `keep` checkpoints (renamed to a hidden name first, so none is seen half-deleted). */
export function pruneCheckpoints(dir: string, keep: number): void {
  const all = listCheckpoints(dir);
  for (const c of all.slice(0, Math.max(0, all.length - keep))) {
    const doomed = join(dir, `.deleting-${checkpointName(c.step)}.${process.pid}.tmp`);
    renameSync(c.path, doomed);
    rmSync(doomed, { recursive: true, force: true });
  }
}

/** Deletes hidden temporary directories left under `dir` by processes that are no longer running. */
export function removeStaleTemporaries(dir: string): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const m = /^\..*?\.(\d+)\.(?:[0-9a-f]{8}\.)?tmp$/.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && isAlive(pid)) continue;
    rmSync(join(dir, name), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A loaded checkpoint: tensors the caller disposes, and the trainer state. */
export interface LoadedCheckpoint {
  weights: Map<string, tf.Tensor>;
  optimizer: Map<string, tf.Tensor>;
  state: TrainerState;
}

function fromRaw(raw: NamedTensors, file: string): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  for (const [key, t] of raw) {
    if (t.dtype === 'I32' || t.dtype === 'I64') out.set(key, tf.tensor(rawToInt32(t, key), t.shape, 'int32'));
    else if (t.dtype === 'F32' || t.dtype === 'F16' || t.dtype === 'BF16')
      out.set(key, tf.tensor(rawToFloat32(t, key), t.shape, 'float32'));
    else {
      tf.dispose([...out.values()]);
      throw new Bert4tfjsError(`${file}: tensor '${key}' has unsupported dtype ${t.dtype}`, 'bad-file');
    }
  }
  return out;
}

/** Reads a checkpoint directory written by {@link saveCheckpoint}. */
export function loadCheckpoint(path: string): LoadedCheckpoint {
  const stateFile = join(path, STATE);
  if (!existsSync(stateFile))
    throw new Bert4tfjsError(`${path}: not a trainer checkpoint (no ${STATE})`, 'missing-file');
  let state: TrainerState;
  try {
    state = JSON.parse(readFileSync(stateFile, 'utf8')) as TrainerState;
  } catch (e) {
    throw new Bert4tfjsError(`${stateFile}: not valid JSON`, 'bad-file', { cause: e });
  }
  if (state.format !== CHECKPOINT_FORMAT || !Number.isInteger(state.step)) {
    throw new Bert4tfjsError(
      `${stateFile}: not a ${CHECKPOINT_FORMAT} (format ${JSON.stringify(state.format)})`,
      'bad-file',
    );
  }
  const weights = fromRaw(readSafetensors(join(path, WEIGHTS)), join(path, WEIGHTS));
  try {
    return { weights, optimizer: fromRaw(readSafetensors(join(path, OPTIMIZER)), join(path, OPTIMIZER)), state };
  } catch (e) {
    tf.dispose([...weights.values()]);
    throw e;
  }
}
