/** Writing the ONNX export to a file (Node): {@link buildOnnxModel} plus an atomic write. */
import { writeOnnxModel } from '@bert4tfjs/core';
import type { TransformerModel } from '../family.ts';
import { buildOnnxModel, type OnnxExportOptions, type OnnxExportResult } from './export.ts';

/** Builds the ONNX model of `built` and writes it to `path` atomically. */
export function exportOnnxModel(
  built: TransformerModel,
  path: string,
  options: OnnxExportOptions = {},
): OnnxExportResult {
  const result = buildOnnxModel(built, options);
  writeOnnxModel(path, result.bytes);
  return result;
}
