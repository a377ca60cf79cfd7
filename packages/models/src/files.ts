/**
 * The file access the model builders need (config.json, a model.safetensors path, a checkpoint's header),
 * behind one small interface so the same builders run in a web page. The Node entry (index.ts) installs
 * the fs-backed implementation (node-files.ts); the browser entry installs none, and any call that needs
 * a path says so and points at the FileSource way ({@link loadTransformerModel}).
 */
import { Bert4tfjsError, type NamedTensors } from '@bert4tfjs/core';

/** Synchronous reads of local paths, as the path-taking options (`configPath`, `checkpointPath`) need. */
export interface ModelFileAccess {
  /** Whether `path` exists (file or folder). */
  exists(path: string): boolean;
  /** Whether `path` is a folder. */
  isDirectory(path: string): boolean;
  /** `path` as UTF-8 text. */
  readText(path: string): string;
  /** Every tensor of a safetensors file. */
  readSafetensors(path: string): NamedTensors;
  /** The shape of one tensor of a safetensors file (header only), or undefined when it has none by that name. */
  tensorShape(path: string, name: string): number[] | undefined;
}

let installed: ModelFileAccess | null = null;

/** Installs the file access the path-taking options use (the Node entry does this on import). */
export function setModelFileAccess(access: ModelFileAccess | null): void {
  installed = access;
}

/** The installed file access; a Bert4tfjsError naming `what` when there is none (a web page). */
export function modelFiles(what: string): ModelFileAccess {
  if (!installed) {
    throw new Bert4tfjsError(
      `${what} reads a local path, which needs Node; in a web page load the model with loadTransformerModel(fetchFileSource(url)) or pass \`config\` and tensors`,
      'unsupported',
    );
  }
  return installed;
}

/** Joins a folder and a file name with '/' (all the model directory layout needs; Node accepts it everywhere). */
export function joinPath(dir: string, name: string): string {
  return dir.endsWith('/') || dir.endsWith('\\') ? `${dir}${name}` : `${dir}/${name}`;
}
