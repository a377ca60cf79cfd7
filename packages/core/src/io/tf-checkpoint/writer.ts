/**
 * Writes a single-shard TensorBundle V2 checkpoint (`<prefix>.index` + `<prefix>.data-00000-of-00001`)
 * that TensorFlow's BundleReader loads: tensors back to back in name order, CRC-32C per tensor, header
 * under key "" (1 shard, little-endian, producer 1). Each file is written atomically, data first.
 */
import { resolve } from 'node:path';
import { Bert4tfjsError } from '../../errors.ts';
import { DTYPE_BYTES, numElements } from '../raw-tensor.ts';
import { encodeEntry, encodeHeader } from './bundle-proto.ts';
import { crc32c, maskCrc } from './crc32c.ts';
import { enumFromDtype } from './dtypes.ts';
import { shardPath } from './prefix.ts';
import { compareBytes } from './sstable-format.ts';
import { DEFAULT_BLOCK_SIZE, buildTable } from './sstable-writer.ts';
import { encodeStringTensor } from './string-tensor.ts';
import type { CheckpointTensor } from './types.ts';
import { writeFileAtomic } from '../../utils/atomic.ts';

/** Options of {@link writeTfCheckpoint}. */
export interface WriteTfCheckpointOptions {
  /** Index data-block size in bytes (TensorFlow's default, 256 KiB, unless set). */
  blockSize?: number;
}

function checkTensor(name: string, t: CheckpointTensor): void {
  if (!t || !Array.isArray(t.shape) || t.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new Bert4tfjsError(
      `writeTfCheckpoint: tensor "${name}" needs a shape of non-negative integers`,
      'bad-argument',
    );
  }
  const n = numElements(t.shape);
  if (t.dtype === 'STRING') {
    if (!Array.isArray(t.values) || t.values.length !== n) {
      throw new Bert4tfjsError(
        `writeTfCheckpoint: string tensor "${name}" of shape ${JSON.stringify(t.shape)} needs ${n} values`,
        'bad-argument',
      );
    }
    return;
  }
  if (!(t.dtype in DTYPE_BYTES))
    throw new Bert4tfjsError(
      `writeTfCheckpoint: tensor "${name}" has unknown dtype ${String(t.dtype)}`,
      'bad-argument',
    );
  if (!(t.data instanceof Uint8Array) || t.data.byteLength !== n * DTYPE_BYTES[t.dtype]) {
    throw new Bert4tfjsError(
      `writeTfCheckpoint: tensor "${name}" ${t.dtype}${JSON.stringify(t.shape)} needs ${n * DTYPE_BYTES[t.dtype]} bytes of data, has ${t.data?.byteLength}`,
      'bad-argument',
    );
  }
}

/**
 * Writes `tensors` as a TensorFlow checkpoint at `prefix` (e.g. `out/model.ckpt`; a trailing `.index`
 * is stripped). Accepts numeric RawTensors and DT_STRING StringTensors. Returns the absolute prefix.
 */
export function writeTfCheckpoint(
  prefix: string,
  tensors: ReadonlyMap<string, CheckpointTensor>,
  options: WriteTfCheckpointOptions = {},
): string {
  if (typeof prefix !== 'string' || prefix === '')
    throw new Bert4tfjsError('writeTfCheckpoint: prefix must be a non-empty path', 'bad-argument');
  const blockSize = options.blockSize ?? DEFAULT_BLOCK_SIZE;
  if (!Number.isInteger(blockSize) || blockSize < 1) {
    throw new Bert4tfjsError(
      `writeTfCheckpoint: blockSize must be a positive integer, got ${blockSize}`,
      'bad-argument',
    );
  }
  const abs = resolve(prefix.endsWith('.index') ? prefix.slice(0, -'.index'.length) : prefix);
  const encoder = new TextEncoder();
  const named = [...tensors].map(([name, t]) => {
    if (typeof name !== 'string' || name === '') {
      throw new Bert4tfjsError(
        'writeTfCheckpoint: tensor names must be non-empty strings ("" is the header key)',
        'bad-argument',
      );
    }
    checkTensor(name, t);
    return { name, key: encoder.encode(name), t };
  });
  // The index is a sorted table: byte-wise order of the UTF-8 names.
  named.sort((a, b) => compareBytes(a.key, b.key));
  for (let i = 1; i < named.length; i++) {
    if (compareBytes(named[i - 1].key, named[i].key) === 0) {
      throw new Bert4tfjsError(
        `writeTfCheckpoint: names "${named[i - 1].name}" and "${named[i].name}" encode to the same UTF-8 key`,
        'bad-argument',
      );
    }
  }

  const chunks: Uint8Array[] = [];
  const entries = [{ key: new Uint8Array(0), value: encodeHeader(1) }];
  let offset = 0;
  for (const { name, key, t } of named) {
    let size: number;
    let crc: number;
    if (t.dtype === 'STRING') {
      const enc = encodeStringTensor(t.values);
      chunks.push(...enc.chunks);
      size = enc.size;
      crc = enc.crc;
    } else {
      chunks.push(t.data);
      size = t.data.byteLength;
      crc = crc32c(t.data);
    }
    const dtypeEnum = enumFromDtype(t.dtype, name);
    entries.push({
      key,
      value: encodeEntry({ dtypeEnum, shape: t.shape, shardId: 0, offset, size, crc32c: maskCrc(crc) }),
    });
    offset += size;
  }
  writeFileAtomic(shardPath(abs, 0, 1), chunks);
  writeFileAtomic(`${abs}.index`, buildTable(entries, blockSize));
  return abs;
}
