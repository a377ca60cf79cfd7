/**
 * The one output policy of every command: an existing output is refused without `--force`, an output that
 * is (or would replace) one of the command's inputs is refused always, a missing parent directory is an
 * error (a typo must not make a new tree), and files are written atomically (temporary sibling + rename),
 * with temporaries left by killed runs cleared first. Commands call {@link prepareOutput} before any work,
 * then write through {@link writeOutputFile} / {@link streamOutputFile} (or core's writeDirAtomic).
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, relative, resolve, isAbsolute } from 'node:path';
import { AtomicFileWriter, Bert4tfjsError, removeStaleTemps, writeFileAtomic } from '@bert4tfjs/core';

/** What {@link prepareOutput} checks an output against. */
export interface OutputPolicy {
  /** The flag naming the output in errors, e.g. `--output`. */
  flag: string;
  /** Replace an existing output (never an input). */
  force?: boolean;
  /** Paths (files or directories) the command reads; the output may not be, contain, or overwrite one. */
  inputs?: Array<string | undefined>;
}

/** The real path of `path`; for a path that does not exist yet, its real parent joined with its name. */
function realOrIntended(path: string): string {
  const abs = resolve(path);
  if (existsSync(abs)) return realpathSync(abs);
  const parent = dirname(abs);
  return resolve(existsSync(parent) ? realpathSync(parent) : parent, basename(abs));
}

/** Whether `inner` is `outer` or lies inside it. */
function within(inner: string, outer: string): boolean {
  const rel = relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Checks `output` against the policy and clears stale temporaries beside it. Throws a Bert4tfjsError
 * naming the flag and path when the output is an input (or would replace one), already exists without
 * `force`, or has no parent directory.
 */
export function prepareOutput(output: string, policy: OutputPolicy): void {
  const { flag } = policy;
  if (!output) throw new Bert4tfjsError(`${flag} is required`, 'bad-argument');
  const parent = dirname(resolve(output));
  if (!existsSync(parent) || !statSync(parent).isDirectory()) {
    throw new Bert4tfjsError(
      `${flag} ${output}: the directory ${parent} does not exist (create it first)`,
      'missing-file',
    );
  }
  const target = realOrIntended(output);
  const exists = existsSync(output);
  for (const input of policy.inputs ?? []) {
    if (!input || !existsSync(input)) continue;
    const source = realpathSync(resolve(input));
    const isDir = statSync(source).isDirectory();
    // Same file, a directory holding the input (replacing it would delete the input), or a file inside an input directory.
    if (within(source, target) || (isDir && exists && within(target, source))) {
      throw new Bert4tfjsError(
        `${flag} ${output} would overwrite the input ${input}; write the output somewhere else`,
        'bad-argument',
      );
    }
  }
  if (exists && !policy.force) {
    throw new Bert4tfjsError(`${flag} ${output} already exists (use --force to replace it)`, 'exists');
  }
  removeStaleTemps(resolve(output));
}

/** Writes a whole output file atomically (after {@link prepareOutput}). */
export function writeOutputFile(output: string, data: Uint8Array | string | Array<Uint8Array | string>): void {
  writeFileAtomic(output, data);
}

/**
 * Streams an output file: `fill` writes pieces, and the file appears only if it returns; on an error
 * nothing is left behind.
 */
export async function streamOutputFile(
  output: string,
  fill: (write: (chunk: string | Uint8Array) => void) => void | Promise<void>,
): Promise<void> {
  const out = new AtomicFileWriter(output);
  try {
    await fill((chunk) => out.write(chunk));
    out.commit();
  } catch (err) {
    out.abort();
    throw err;
  }
}
