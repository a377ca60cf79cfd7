/**
 * Opens what `convert --from` points at and lists it before reading any tensor data: a TensorFlow
 * checkpoint (prefix, `.index`, data shard or directory), a `model.safetensors`, a `pytorch_model.bin`,
 * or a directory holding one of them. TF checkpoints and safetensors are read tensor by tensor with
 * positioned reads, so a large checkpoint is never held whole in memory.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  Bert4tfjsError,
  TfCheckpointReader,
  readSafetensorsHeader,
  readTorchBin,
  type NamedTensors,
  type RawTensor,
} from '@bert4tfjs/core';
import type { TensorInfo } from './types.ts';

/** The formats a source can be in. */
export type SourceFormat = 'tf-checkpoint' | 'safetensors' | 'pytorch';

/** An open checkpoint: its listing, and its tensors read one at a time. */
export interface TensorSource {
  format: SourceFormat;
  /** The file (or TF prefix) read. */
  path: string;
  /** The folder holding it: where config and vocabulary files are looked for. */
  dir: string;
  /** Every stored tensor, in file order. */
  list(): TensorInfo[];
  /** One numeric tensor's bytes (TF checkpoints: CRC verified). */
  read(name: string): RawTensor;
  close(): void;
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Whether a file starts with the zip magic `PK\x03\x04` (what `torch.save` writes). */
function isZip(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const b = new Uint8Array(4);
    return readSync(fd, b, 0, 4, 0) === 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 3 && b[3] === 4;
  } finally {
    closeSync(fd);
  }
}

function openTf(path: string): TensorSource {
  const reader = TfCheckpointReader.open(path);
  return {
    format: 'tf-checkpoint',
    path: reader.prefix,
    dir: dirname(reader.prefix),
    list: () => reader.variables(),
    read: (name) => {
      const t = reader.load(name);
      if (t.dtype === 'STRING')
        throw new Bert4tfjsError(`${reader.prefix}: tensor "${name}" is a string tensor, not a weight`, 'bad-tensor');
      return t;
    },
    close: () => reader.close(),
  };
}

function openSafetensors(path: string): TensorSource {
  const header = readSafetensorsHeader(path);
  const fd = openSync(path, 'r');
  return {
    format: 'safetensors',
    path,
    dir: dirname(path),
    list: () => [...header.tensors].map(([name, e]) => ({ name, dtype: e.dtype, shape: e.shape })),
    read: (name) => {
      const e = header.tensors.get(name);
      if (!e) throw new Bert4tfjsError(`${path}: no tensor "${name}"`, 'missing-tensor');
      const data = new Uint8Array(e.dataOffsets[1] - e.dataOffsets[0]);
      let off = 0;
      while (off < data.byteLength) {
        const got = readSync(
          fd,
          data,
          off,
          Math.min(1 << 30, data.byteLength - off),
          header.dataStart + e.dataOffsets[0] + off,
        );
        if (got === 0)
          throw new Bert4tfjsError(`${path}: tensor "${name}" ends past the end of the file (truncated?)`, 'bad-file');
        off += got;
      }
      return { dtype: e.dtype, shape: e.shape, data };
    },
    close: () => closeSync(fd),
  };
}

function openTorch(path: string): TensorSource {
  // The pickle format has no separate listing, so a .bin is read whole (these are the smaller files).
  let tensors: NamedTensors | null = readTorchBin(path);
  return {
    format: 'pytorch',
    path,
    dir: dirname(path),
    list: () => [...(tensors ?? [])].map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape })),
    read: (name) => {
      const t = tensors?.get(name);
      if (!t) throw new Bert4tfjsError(`${path}: no tensor "${name}"`, 'missing-tensor');
      return t;
    },
    close: () => {
      tensors = null;
    },
  };
}

/** Opens a file whose format is told by its name, or failing that by its first bytes. */
function openFile(path: string): TensorSource {
  if (path.endsWith('.safetensors')) return openSafetensors(path);
  if (/\.(bin|pt|pth)$/.test(path) || isZip(path)) return openTorch(path);
  return openTf(path);
}

/**
 * Detects the format of `path` and opens it. A directory is searched for `model.safetensors`, then
 * `pytorch_model.bin`, then a TF checkpoint. Errors say what was looked for.
 */
export function openTensorSource(path: string): TensorSource {
  if (!existsSync(path) && !isFile(`${path}.index`)) {
    throw new Bert4tfjsError(
      `--from ${path}: no such file, directory or TF checkpoint prefix (${path}.index)`,
      'not-found',
    );
  }
  if (existsSync(path) && statSync(path).isDirectory()) {
    for (const f of ['model.safetensors', 'pytorch_model.bin'])
      if (isFile(join(path, f))) return openFile(join(path, f));
    return openTf(path);
  }
  if (isFile(path)) return openFile(path);
  return openTf(path);
}
