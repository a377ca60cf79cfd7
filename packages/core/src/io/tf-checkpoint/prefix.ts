/**
 * Turns what a user points at (a prefix, the `.index` file, a data shard, a directory with a `checkpoint`
 * file or a single `.index`, or a SavedModel directory) into a checkpoint prefix, or says why it cannot.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { Bert4tfjsError } from '../../errors.ts';

const SHARD_SUFFIX = /\.data-\d{5}-of-\d{5}$/;

/** The data-shard file name of `prefix` (`<prefix>.data-00003-of-00008`). */
export function shardPath(prefix: string, shard: number, numShards: number): string {
  const pad = (n: number): string => String(n).padStart(5, '0');
  return `${prefix}.data-${pad(shard)}-of-${pad(numShards)}`;
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** The `model_checkpoint_path` of a TensorFlow `checkpoint` state file (text proto), or null. */
function fromStateFile(dir: string): string | null {
  const state = join(dir, 'checkpoint');
  if (!isFile(state)) return null;
  const m = /^\s*model_checkpoint_path\s*:\s*"((?:[^"\\]|\\.)*)"/m.exec(readFileSync(state, 'utf8'));
  if (!m) {
    throw new Bert4tfjsError(
      `${state}: no model_checkpoint_path line (expected a TensorFlow checkpoint state file)`,
      'bad-file',
    );
  }
  const named = m[1].replace(/\\(.)/g, '$1');
  const candidate = isAbsolute(named) ? named : join(dir, named);
  if (isFile(`${candidate}.index`)) return candidate;
  // Checkpoints are often moved after training: try the same name beside the state file.
  const local = join(dir, basename(named));
  if (isFile(`${local}.index`)) return local;
  throw new Bert4tfjsError(
    `${state} names checkpoint "${named}" but neither ${candidate}.index nor ${local}.index exists`,
    'not-found',
  );
}

function fromDirectory(dir: string): string {
  const named = fromStateFile(dir);
  if (named) return named;
  const indexes = readdirSync(dir)
    .filter((f) => f.endsWith('.index'))
    .sort();
  if (indexes.length === 1) return join(dir, indexes[0].slice(0, -'.index'.length));
  if (indexes.length > 1) {
    throw new Bert4tfjsError(
      `${dir} holds ${indexes.length} checkpoints (${indexes.join(', ')}) and no "checkpoint" file: pass the prefix of the one you want`,
      'ambiguous',
    );
  }
  if (isFile(join(dir, 'variables', 'variables.index'))) return join(dir, 'variables', 'variables');
  throw new Bert4tfjsError(
    `${dir} holds no TensorFlow checkpoint (no *.index file and no "checkpoint" file)`,
    'not-found',
  );
}

/**
 * Resolves `path` to a checkpoint prefix (absolute), such that `<prefix>.index` exists. Accepts
 * `dir/model.ckpt`, `dir/model.ckpt.index`, a `.data-*` shard, or a directory.
 */
export function resolveCheckpointPrefix(path: string): string {
  if (typeof path !== 'string' || path === '') {
    throw new Bert4tfjsError('checkpoint path: expected a non-empty string', 'bad-argument');
  }
  const p = resolve(path);
  if (isFile(`${p}.index`)) return p;
  if (p.endsWith('.index') && isFile(p)) return p.slice(0, -'.index'.length);
  if (SHARD_SUFFIX.test(p) && isFile(p.replace(SHARD_SUFFIX, '.index'))) return p.replace(SHARD_SUFFIX, '');
  if (existsSync(p) && statSync(p).isDirectory()) return fromDirectory(p);
  throw new Bert4tfjsError(
    `no TensorFlow checkpoint at ${path}: expected a prefix with ${path}.index beside it, the .index file itself, or a directory holding one`,
    'not-found',
  );
}
