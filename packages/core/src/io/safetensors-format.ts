/**
 * The safetensors format on bytes in memory (no file access, so it runs in a browser too); safetensors.ts
 * adds reading and writing files. Layout: a u64 little-endian header length N, N bytes of UTF-8 JSON
 * `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {str: str}}`, then the byte
 * buffer the offsets point into. Everything is validated before use, and every error names the file
 * (and the tensor, where one is at fault).
 */
import { Bert4tfjsError } from '../errors.ts';
import { DTYPE_BYTES, numElements, type DType, type NamedTensors, type RawTensor } from './raw-tensor.ts';

/** One tensor's entry in a safetensors header. */
export interface SafetensorsEntry {
  dtype: DType;
  shape: number[];
  /** [begin, end) byte offsets into the data buffer (which starts right after the header). */
  dataOffsets: [number, number];
}

/** A parsed, validated safetensors header. */
export interface SafetensorsHeader {
  /** Tensors in the order the header lists them. */
  tensors: Map<string, SafetensorsEntry>;
  /** The `__metadata__` string map ({} when absent). */
  metadata: Record<string, string>;
  /** Byte offset in the file where the data buffer starts (8 + header length). */
  dataStart: number;
}

// The reference implementation refuses headers above 100 MB; a larger one is a corrupt length field.
const MAX_HEADER_BYTES = 100_000_000;

const FORMAT_HINT = 'expected a safetensors file (u64 header length, JSON header, data)';

function fail(file: string, what: string, tensor?: string): never {
  const where = tensor === undefined ? file : `${file}: tensor "${tensor}"`;
  throw new Bert4tfjsError(`${where}: ${what}`, 'bad-file');
}

function isDType(s: unknown): s is DType {
  return typeof s === 'string' && Object.hasOwn(DTYPE_BYTES, s);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Reads the header length from the first 8 bytes and checks it against the file size. */
export function headerLength(prefix: Uint8Array, fileSize: number, file: string): number {
  if (fileSize < 8) fail(file, `file is ${fileSize} bytes, shorter than the 8-byte header length; ${FORMAT_HINT}`);
  const n = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES))
    fail(file, `header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit; ${FORMAT_HINT}`);
  if (Number(n) > fileSize - 8) {
    fail(
      file,
      `header length ${n} runs past the end of the file (${fileSize} bytes); file truncated or ${FORMAT_HINT}`,
    );
  }
  return Number(n);
}

/**
 * The first top-level key of a JSON object text that occurs twice, or null. JSON.parse keeps the last of
 * duplicates silently; the safetensors format forbids them (two tensors of one name: which one is meant?).
 */
function duplicateTopLevelKey(text: string): string | null {
  const seen = new Set<string>();
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (seen.has(key)) return key;
        seen.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === '{' || c === '[') {
      depth++;
      expectKey = depth === 1 && c === '{';
    } else if (c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 1) expectKey = true;
  }
  return null;
}

/**
 * Parses and validates header JSON bytes. `dataLength`, when known, is the size of the data buffer;
 * offsets beyond it mean a truncated file.
 */
export function parseHeaderJson(json: Uint8Array, file: string, dataLength?: number): SafetensorsHeader {
  let parsed: unknown;
  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(json);
    parsed = JSON.parse(text);
  } catch (err) {
    fail(file, `header is not valid UTF-8 JSON (${(err as Error).message}); ${FORMAT_HINT}`);
  }
  const duplicate = parsed !== null && typeof parsed === 'object' ? duplicateTopLevelKey(text) : null;
  if (duplicate !== null) fail(file, 'the header names this tensor twice', duplicate);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    fail(file, `header must be a JSON object, got ${Array.isArray(parsed) ? 'an array' : typeof parsed}`);
  }
  const metadata: Record<string, string> = {};
  const tensors = new Map<string, SafetensorsEntry>();
  for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (value === null || typeof value !== 'object' || Array.isArray(value))
        fail(file, '__metadata__ must be an object of strings');
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(file, `__metadata__["${k}"] must be a string, got ${typeof v}`);
        metadata[k] = v;
      }
      continue;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      fail(file, 'header entry must be an object', name);
    const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
    if (!isDType(dtype)) {
      fail(
        file,
        `unknown dtype ${JSON.stringify(dtype)}; expected one of ${Object.keys(DTYPE_BYTES).join(', ')}`,
        name,
      );
    }
    if (!Array.isArray(shape) || !shape.every(isCount))
      fail(file, `shape ${JSON.stringify(shape)} must be an array of non-negative integers`, name);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
      fail(file, `data_offsets ${JSON.stringify(offsets)} must be [begin, end] non-negative integers`, name);
    }
    const [begin, end] = offsets as [number, number];
    if (end < begin) fail(file, `data_offsets [${begin}, ${end}] are out of order (end before begin)`, name);
    const want = numElements(shape as number[]) * DTYPE_BYTES[dtype];
    if (end - begin !== want) {
      fail(
        file,
        `data_offsets [${begin}, ${end}] span ${end - begin} bytes but ${dtype}${JSON.stringify(shape)} needs ${want}`,
        name,
      );
    }
    if (dataLength !== undefined && end > dataLength) {
      fail(
        file,
        `data ends at byte ${end} of the data buffer but only ${dataLength} bytes follow the header (file truncated?)`,
        name,
      );
    }
    tensors.set(name, { dtype, shape: [...(shape as number[])], dataOffsets: [begin, end] });
  }
  checkNoOverlap(tensors, file);
  const dataEnd = Math.max(0, ...[...tensors.values()].map((e) => e.dataOffsets[1]));
  if (dataLength !== undefined && dataLength > dataEnd) {
    fail(
      file,
      `${dataLength - dataEnd} byte(s) follow the last tensor's data (ends at ${dataEnd} of ${dataLength}); the file is not what its header describes`,
    );
  }
  return { tensors, metadata, dataStart: 8 + json.byteLength };
}

/** Two tensors may not share bytes (a zero-size tensor occupies nothing). */
function checkNoOverlap(tensors: Map<string, SafetensorsEntry>, file: string): void {
  const spans = [...tensors].filter(([, e]) => e.dataOffsets[1] > e.dataOffsets[0]);
  spans.sort((a, b) => a[1].dataOffsets[0] - b[1].dataOffsets[0]);
  for (let i = 1; i < spans.length; i++) {
    const [prevName, prev] = spans[i - 1];
    const [name, cur] = spans[i];
    if (cur.dataOffsets[0] < prev.dataOffsets[1]) {
      fail(file, `data_offsets [${cur.dataOffsets}] overlap those of tensor "${prevName}" [${prev.dataOffsets}]`, name);
    }
  }
}

/**
 * Parses a whole safetensors file held in memory. The returned tensors' `data` are views into
 * `bytes` (no copy). `nameForErrors` is the file name used in error messages.
 */
export function parseSafetensors(bytes: Uint8Array, nameForErrors = '<safetensors bytes>'): NamedTensors {
  return parseSafetensorsWithMetadata(bytes, nameForErrors).tensors;
}

/** Like {@link parseSafetensors} but also returns the `__metadata__` map. */
export function parseSafetensorsWithMetadata(
  bytes: Uint8Array,
  nameForErrors = '<safetensors bytes>',
): { tensors: NamedTensors; metadata: Record<string, string> } {
  const n = headerLength(bytes.subarray(0, 8), bytes.byteLength, nameForErrors);
  const header = parseHeaderJson(bytes.subarray(8, 8 + n), nameForErrors, bytes.byteLength - 8 - n);
  const data = bytes.subarray(header.dataStart);
  const tensors: NamedTensors = new Map();
  for (const [name, e] of header.tensors) {
    tensors.set(name, { dtype: e.dtype, shape: e.shape, data: data.subarray(e.dataOffsets[0], e.dataOffsets[1]) });
  }
  return { tensors, metadata: header.metadata };
}

/** Code-point order, so the output does not depend on the locale. */
function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Serializes tensors to safetensors bytes, returned as chunks to write in order (header prefix,
 * header JSON, then each tensor's data) so large tensors are not copied. Tensors are sorted by name
 * and their data laid out in that order; the header is padded with spaces so data starts at a
 * multiple of 8 bytes.
 */
export function serializeSafetensors(tensors: NamedTensors, metadata?: Record<string, string>): Uint8Array[] {
  const names = [...tensors.keys()].sort(byName);
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string')
        throw new Bert4tfjsError(
          `serializeSafetensors: metadata["${k}"] must be a string, got ${typeof v}`,
          'bad-argument',
        );
    }
    header.__metadata__ = metadata;
  }
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const name of names) {
    const t = tensors.get(name) as RawTensor;
    if (name === '__metadata__' || name === '')
      throw new Bert4tfjsError(`serializeSafetensors: invalid tensor name "${name}"`, 'bad-argument');
    if (!isDType(t.dtype))
      throw new Bert4tfjsError(
        `serializeSafetensors: tensor "${name}" has unknown dtype ${String(t.dtype)}`,
        'bad-argument',
      );
    if (!t.shape.every(isCount))
      throw new Bert4tfjsError(
        `serializeSafetensors: tensor "${name}" has invalid shape ${JSON.stringify(t.shape)}`,
        'bad-argument',
      );
    const want = numElements(t.shape) * DTYPE_BYTES[t.dtype];
    if (t.data.byteLength !== want) {
      throw new Bert4tfjsError(
        `serializeSafetensors: tensor "${name}" is ${t.dtype}${JSON.stringify(t.shape)} (${want} bytes) but has ${t.data.byteLength} bytes of data`,
        'bad-argument',
      );
    }
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + want] };
    offset += want;
    chunks.push(t.data);
  }
  const json = JSON.stringify(header);
  let jsonBytes = new TextEncoder().encode(json);
  const pad = (8 - (jsonBytes.byteLength % 8)) % 8;
  if (pad) jsonBytes = new TextEncoder().encode(json + ' '.repeat(pad));
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(jsonBytes.byteLength), true);
  return [prefix, jsonBytes, ...chunks];
}
