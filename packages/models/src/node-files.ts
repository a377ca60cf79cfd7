/** The Node side of {@link ModelFileAccess}: fs reads, installed when the package's Node entry is imported. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { readSafetensors, readSafetensorsHeader } from '@bert4tfjs/core';
import { setModelFileAccess, type ModelFileAccess } from './files.ts';

/** Reads local files with fs. */
export const nodeModelFileAccess: ModelFileAccess = {
  exists: (path) => existsSync(path),
  isDirectory: (path) => statSync(path).isDirectory(),
  readText: (path) => readFileSync(path, 'utf8'),
  readSafetensors: (path) => readSafetensors(path),
  tensorShape: (path, name) => readSafetensorsHeader(path).tensors.get(name)?.shape,
};

setModelFileAccess(nodeModelFileAccess);
