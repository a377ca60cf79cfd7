/**
 * readTorchBin: PyTorch checkpoints (`pytorch_model.bin`, `*.pt`) to RawTensors without Python.
 * The zip format (torch >= 1.6) is read entry by entry; the legacy format (a sequence of pickles
 * followed by raw storages) is read when it has no storage views.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { Bert4tfjsError } from '../../errors.ts';
import { DTYPE_BYTES, type NamedTensors } from '../raw-tensor.ts';
import { unpickle } from './pickle-read.ts';
import { gatherStrided, type TorchStorage, type TorchTensor } from './storage.ts';
import { extractStateDict, torchUnpickleOptions } from './torch-pickle.ts';
import { ZipReader } from './zip-read.ts';

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;

/** Turns each tensor view into a contiguous RawTensor, fetching each storage's bytes once. */
function materialize(
  tensors: Map<string, TorchTensor>,
  storageBytes: (s: TorchStorage) => Uint8Array,
  file: string,
): NamedTensors {
  const cache = new Map<string, Uint8Array>();
  const out: NamedTensors = new Map();
  for (const [name, t] of tensors) {
    let bytes = cache.get(t.storage.key);
    if (!bytes) {
      bytes = storageBytes(t.storage);
      const want = (t.storage.baseOffset + t.storage.numel) * DTYPE_BYTES[t.storage.dtype];
      if (bytes.byteLength < want) {
        throw new Bert4tfjsError(
          `${file}: storage "${t.storage.key}" of tensor "${name}" has ${bytes.byteLength} bytes, the pickle declares ${t.storage.numel} ${t.storage.dtype} elements (${want} bytes)`,
          'bad-file',
        );
      }
      cache.set(t.storage.key, bytes);
    }
    out.set(name, gatherStrided(bytes, t.storage.dtype, t.offset, t.size, t.stride, `${file}: tensor "${name}"`));
  }
  return out;
}

function readZipCheckpoint(path: string): NamedTensors {
  const zip = new ZipReader(path);
  try {
    const names = [...zip.entries.keys()];
    if (names.length === 0)
      throw new Bert4tfjsError(`${path}: the zip archive is empty; expected a torch.save checkpoint`, 'bad-file');
    // torch names the top folder after the file (or "archive"); it is whatever precedes the first '/'.
    const slash = names[0].indexOf('/');
    const top = slash > 0 ? names[0].slice(0, slash) : '';
    const pkl = `${top}/data.pkl`;
    if (!zip.entries.has(pkl)) {
      const hint = names.some((n) => n.endsWith('/constants.pkl'))
        ? ' (this looks like a TorchScript archive from torch.jit.save)'
        : '';
      throw new Bert4tfjsError(
        `${path}: no "${top ? pkl : 'data.pkl'}" in the zip archive${hint}; expected a torch.save checkpoint with <top>/data.pkl, <top>/data/<key>, <top>/version`,
        'bad-file',
      );
    }
    const order = zip.entries.get(`${top}/byteorder`)
      ? new TextDecoder().decode(zip.read(`${top}/byteorder`)).trim()
      : 'little';
    if (order !== 'little')
      throw new Bert4tfjsError(
        `${path}: byteorder "${order}" is not supported (only little-endian checkpoints)`,
        'bad-file',
      );
    const where = `${path} (${pkl})`;
    const storages = new Map<string, TorchStorage>();
    const { value } = unpickle(zip.read(pkl), 0, torchUnpickleOptions(where, storages));
    const tensors = extractStateDict(value, where);
    return materialize(
      tensors,
      (s) => {
        const entry = `${top}/data/${s.key}`;
        if (!zip.entries.has(entry))
          throw new Bert4tfjsError(`${path}: storage record "${entry}" is missing from the archive`, 'bad-file');
        return zip.read(entry);
      },
      path,
    );
  } finally {
    zip.close();
  }
}

/**
 * The pre-1.6 format: pickles of the magic number, protocol version, system info and the object,
 * then a pickled list of storage keys, then per key an int64 element count and the raw elements.
 */
function readLegacyCheckpoint(path: string, bytes: Uint8Array): NamedTensors {
  const where = `${path} (legacy torch format)`;
  const bad = (msg: string): never => {
    throw new Bert4tfjsError(`${where}: ${msg}`, 'bad-file');
  };
  const storages = new Map<string, TorchStorage>();
  const opts = torchUnpickleOptions(where, storages, true);
  const magic = unpickle(bytes, 0, opts);
  if (typeof magic.value !== 'bigint' || magic.value !== LEGACY_MAGIC)
    bad('bad magic number; not a PyTorch checkpoint');
  const proto = unpickle(bytes, magic.end, opts);
  if (proto.value !== LEGACY_PROTOCOL)
    bad(`unsupported protocol version ${String(proto.value)} (expected ${LEGACY_PROTOCOL})`);
  const sysInfo = unpickle(bytes, proto.end, opts);
  if (sysInfo.value instanceof Map && sysInfo.value.get('little_endian') === false)
    bad('big-endian checkpoints are not supported');
  const result = unpickle(bytes, sysInfo.end, opts);
  const keys = unpickle(bytes, result.end, opts);
  if (!Array.isArray(keys.value) || !keys.value.every((k) => typeof k === 'string'))
    bad('storage key list is not a list of strings');
  const tensors = extractStateDict(result.value, where);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const data = new Map<string, Uint8Array>();
  let pos = keys.end;
  for (const key of keys.value as string[]) {
    const s = storages.get(key) ?? bad(`storage "${key}" is listed but never referenced`);
    if (pos + 8 > bytes.byteLength) bad(`file ends before storage "${key}" (truncated?)`);
    const numel = Number(dv.getBigInt64(pos, true));
    const nbytes = numel * DTYPE_BYTES[s.dtype];
    if (pos + 8 + nbytes > bytes.byteLength)
      bad(`storage "${key}" needs ${nbytes} bytes but the file ends first (truncated?)`);
    data.set(key, bytes.subarray(pos + 8, pos + 8 + nbytes));
    pos += 8 + nbytes;
  }
  return materialize(tensors, (s) => data.get(s.key) ?? bad(`storage "${s.key}" has no data in the file`), path);
}

/**
 * Reads a PyTorch checkpoint into named tensors (contiguous copies, even of strided views).
 * Accepts the zip format of torch >= 1.6 and the legacy pickle format; only state-dict contents are
 * unpickled (no code is ever run). Nested checkpoints (`{"state_dict": {...}}`, `{"model": ...}`,
 * `{"model_state_dict": ...}`, `{"module": ...}`) yield the inner state dict; non-tensor entries are
 * skipped.
 */
export function readTorchBin(path: string): NamedTensors {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new Bert4tfjsError(`${path}: cannot open PyTorch checkpoint (${(err as Error).message})`, 'bad-file', {
      cause: err,
    });
  }
  const head = new Uint8Array(4);
  let got: number;
  try {
    got = readSync(fd, head, 0, 4, 0);
  } finally {
    closeSync(fd);
  }
  if (got >= 2 && head[0] === 0x50 && head[1] === 0x4b) return readZipCheckpoint(path); // "PK"
  if (got >= 2 && head[0] === 0x80 && head[1] >= 2 && head[1] <= 5) {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(path);
    } catch (err) {
      throw new Bert4tfjsError(
        `${path}: cannot read legacy checkpoint (${(err as Error).message}); re-save with torch >= 1.6`,
        'bad-file',
        { cause: err },
      );
    }
    return readLegacyCheckpoint(path, bytes);
  }
  throw new Bert4tfjsError(
    `${path}: not a PyTorch checkpoint (expected a zip archive from torch.save, or a legacy pickle); first bytes ${Array.from(head.subarray(0, got), (b) => b.toString(16).padStart(2, '0')).join(' ')}`,
    'bad-file',
  );
}
