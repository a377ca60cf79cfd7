/**
 * Writing and reading .onnx files. Writes are atomic (temp file + rename), so an interrupted export
 * never leaves a truncated model that onnxruntime would fail on later.
 */
import { existsSync, readFileSync } from 'node:fs';
import { Bert4tfjsError } from '../../errors.ts';
import { writeFileAtomic } from '../../utils/atomic.ts';
import { decodeOnnxModel, encodeOnnxModel, type OnnxModel } from './proto.ts';

/** Writes a model (object or already-serialized bytes) to `path` atomically. */
export function writeOnnxModel(path: string, model: OnnxModel | Uint8Array): void {
  writeFileAtomic(path, model instanceof Uint8Array ? model : encodeOnnxModel(model));
}

/** Reads an .onnx file (the subset of fields bert4tfjs writes); errors name the file. */
export function readOnnxModel(path: string): OnnxModel {
  if (!existsSync(path)) throw new Bert4tfjsError(`ONNX model not found: ${path}`, 'missing-file');
  return decodeOnnxModel(readFileSync(path), path);
}
