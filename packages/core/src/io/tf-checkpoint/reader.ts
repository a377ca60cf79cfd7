/**
 * TensorBundle V2 reader: parses `<prefix>.index` once, then reads each tensor from its data shard with
 * positioned reads (a shard is never loaded whole) and verifies its CRC-32C.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { Bert4tfjsError } from '../../errors.ts';
import { DTYPE_BYTES, type DType, type RawTensor, numElements } from '../raw-tensor.ts';
import { type BundleEntry, type BundleHeader, decodeEntry, decodeHeader } from './bundle-proto.ts';
import { crc32c, unmaskCrc } from './crc32c.ts';
import { dtypeFromEnum } from './dtypes.ts';
import { resolveCheckpointPrefix, shardPath } from './prefix.ts';
import { readTable } from './sstable-reader.ts';
import { decodeStringTensor } from './string-tensor.ts';
import type { CheckpointTensor, TfVariableInfo } from './types.ts';

/** The version of the bundle format this reader implements (TensorFlow's kTensorBundleVersion). */
const BUNDLE_VERSION = 1;
/** Largest single read; Node refuses reads past 2 GiB. */
const READ_CHUNK = 1 << 30;

interface OpenShard {
  fd: number;
  size: number;
  path: string;
}

/** Reads positioned bytes `[offset, offset+length)` of an open file into a fresh buffer. */
function readAt(fd: number, offset: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, out, done, Math.min(READ_CHUNK, length - done), offset + done);
    if (n === 0) break;
    done += n;
  }
  return done === length ? out : out.subarray(0, done);
}

/**
 * An open TensorFlow checkpoint. Keeps shard files open between loads; call {@link close} when done.
 *
 * ```ts
 * const reader = TfCheckpointReader.open('uncased_L-2_H-128/bert_model.ckpt');
 * try { const emb = reader.load('bert/embeddings/word_embeddings'); } finally { reader.close(); }
 * ```
 */
export class TfCheckpointReader {
  /** Absolute checkpoint prefix (`<prefix>.index` is the index file). */
  readonly prefix: string;
  /** The decoded header entry. */
  readonly header: BundleHeader;
  private readonly entries: Map<string, BundleEntry>;
  private readonly shards = new Map<number, OpenShard>();

  private constructor(prefix: string, header: BundleHeader, entries: Map<string, BundleEntry>) {
    this.prefix = prefix;
    this.header = header;
    this.entries = entries;
  }

  /** Opens a checkpoint given its prefix, its `.index` file, a data shard, or a directory holding one. */
  static open(path: string): TfCheckpointReader {
    const prefix = resolveCheckpointPrefix(path);
    const indexFile = `${prefix}.index`;
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(indexFile);
    } catch (err) {
      throw new Bert4tfjsError(`${indexFile}: cannot read (${(err as Error).message})`, 'not-found', { cause: err });
    }
    const table = readTable(bytes, indexFile);
    if (table.length === 0 || table[0].key.length !== 0) {
      throw new Bert4tfjsError(`${indexFile}: no header entry (key "") — not a TensorBundle index`, 'bad-file');
    }
    const header = decodeHeader(table[0].value, `${indexFile} header`);
    TfCheckpointReader.checkHeader(header, indexFile);
    const decoder = new TextDecoder();
    const entries = new Map<string, BundleEntry>();
    for (const { key, value } of table.slice(1)) {
      // Keys starting with a 0 byte are the per-slice entries of partitioned variables (OrderedCode
      // encoded, not names); the variable's own entry lists its slices and is refused on load.
      if (key[0] === 0) continue;
      const name = decoder.decode(key);
      entries.set(name, decodeEntry(value, `${indexFile} entry "${name}"`));
    }
    return new TfCheckpointReader(prefix, header, entries);
  }

  private static checkHeader(h: BundleHeader, file: string): void {
    if (!Number.isInteger(h.numShards) || h.numShards < 1) {
      throw new Bert4tfjsError(`${file}: header says ${h.numShards} shards (expected at least 1)`, 'bad-file');
    }
    if (h.endianness !== 0) {
      throw new Bert4tfjsError(
        `${file}: big-endian checkpoints are not supported (header endianness ${h.endianness})`,
        'unsupported',
      );
    }
    if (h.minConsumer > BUNDLE_VERSION || h.badConsumers.includes(BUNDLE_VERSION)) {
      throw new Bert4tfjsError(
        `${file}: bundle version needs a reader >= ${h.minConsumer} (bad consumers ${JSON.stringify(h.badConsumers)}); this reader is version ${BUNDLE_VERSION}`,
        'unsupported',
      );
    }
  }

  /** Tensor names in index order (byte-wise sorted, as `tf.train.list_variables`). */
  get names(): string[] {
    return [...this.entries.keys()];
  }

  /** Whether the checkpoint holds a tensor called `name`. */
  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** The raw index entry of `name` (offset, size, stored CRC, …). */
  entry(name: string): BundleEntry {
    const e = this.entries.get(name);
    if (!e) {
      throw new Bert4tfjsError(
        `tensor "${name}" is not in checkpoint ${this.prefix} (${this.entries.size} variables; see listVariables)`,
        'missing-tensor',
      );
    }
    return e;
  }

  /** Name, dtype and shape of `name`; refuses entries this reader cannot load. */
  info(name: string): TfVariableInfo {
    const e = this.entry(name);
    const dtype = dtypeFromEnum(e.dtypeEnum, name);
    if (e.numSlices > 0) {
      throw new Bert4tfjsError(
        `tensor "${name}" in ${this.prefix} is stored as ${e.numSlices} slices (a partitioned variable); sliced tensors are not supported`,
        'unsupported',
      );
    }
    if (e.unknownRank || e.shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
      throw new Bert4tfjsError(
        `tensor "${name}" in ${this.prefix} has an unknown or invalid shape ${JSON.stringify(e.shape)}`,
        'bad-file',
      );
    }
    return { name, dtype, shape: [...e.shape] };
  }

  /** Every variable, in index order. */
  variables(): TfVariableInfo[] {
    return this.names.map((n) => this.info(n));
  }

  private shard(id: number, tensor: string): OpenShard {
    const open = this.shards.get(id);
    if (open) return open;
    if (!Number.isInteger(id) || id < 0 || id >= this.header.numShards) {
      throw new Bert4tfjsError(
        `tensor "${tensor}": shard id ${id} is outside 0..${this.header.numShards - 1}`,
        'bad-file',
      );
    }
    const path = shardPath(this.prefix, id, this.header.numShards);
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (err) {
      throw new Bert4tfjsError(
        `data shard ${path} (holding tensor "${tensor}") is missing or unreadable`,
        'not-found',
        { cause: err },
      );
    }
    const shard = { fd, size: fstatSync(fd).size, path };
    this.shards.set(id, shard);
    return shard;
  }

  /** Loads one tensor, verifying its CRC-32C. Numeric tensors come back as RawTensor, DT_STRING as StringTensor. */
  load(name: string): CheckpointTensor {
    const info = this.info(name);
    const e = this.entry(name);
    const shard = this.shard(e.shardId, name);
    const what = `tensor "${name}" in ${shard.path}`;
    const count = numElements(info.shape);
    if (info.dtype !== 'STRING' && e.size !== count * DTYPE_BYTES[info.dtype]) {
      throw new Bert4tfjsError(
        `${what}: ${info.dtype}${JSON.stringify(info.shape)} needs ${count * DTYPE_BYTES[info.dtype]} bytes but the index says ${e.size}`,
        'bad-file',
      );
    }
    if (e.offset + e.size > shard.size) {
      throw new Bert4tfjsError(
        `${what}: needs bytes ${e.offset}..${e.offset + e.size} but the shard has ${shard.size} bytes (truncated?)`,
        'bad-file',
      );
    }
    const bytes = readAt(shard.fd, e.offset, e.size);
    if (bytes.length !== e.size)
      throw new Bert4tfjsError(`${what}: short read (${bytes.length} of ${e.size} bytes)`, 'bad-file');
    if (info.dtype === 'STRING') {
      return { dtype: 'STRING', shape: info.shape, values: decodeStringTensor(bytes, count, e.crc32c, what) };
    }
    const actual = crc32c(bytes);
    if (actual !== unmaskCrc(e.crc32c)) {
      throw new Bert4tfjsError(
        `${what}: CRC-32C mismatch (stored ${unmaskCrc(e.crc32c).toString(16)}, computed ${actual.toString(16)}): the data file is corrupt`,
        'bad-crc',
      );
    }
    const tensor: RawTensor = { dtype: info.dtype as DType, shape: info.shape, data: bytes };
    return tensor;
  }

  /** Closes the shard files opened so far. The reader can still list variables afterwards. */
  close(): void {
    for (const s of this.shards.values()) {
      try {
        closeSync(s.fd);
      } catch {
        /* already closed */
      }
    }
    this.shards.clear();
  }
}
