/**
 * Where a training command keeps what must survive a kill: `OUT.train-state/` beside the output
 * directory, holding the trainer's checkpoints, the metrics log, the best weights so far and the run's
 * options. Nothing goes to the OS temp folder, so no exit path (SIGKILL included) leaves a stray there;
 * the state directory is removed once the output is written, and `--resume` continues from it.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { Bert4tfjsError, latestCheckpoint } from '@bert4tfjs/core';

/** The paths inside a state directory. */
export interface StateDir {
  root: string;
  checkpoints: string;
  best: string;
  metrics: string;
  options: string;
}

/** The state directory of output directory `out`. */
export function stateDirFor(out: string): StateDir {
  const abs = resolve(out);
  const root = join(dirname(abs), `${basename(abs)}.train-state`);
  return {
    root,
    checkpoints: join(root, 'checkpoints'),
    best: join(root, 'best'),
    metrics: join(root, 'metrics.jsonl'),
    options: join(root, 'options.json'),
  };
}

/**
 * Prepares the state directory: a fresh run refuses one left by an interrupted run unless `force`
 * (then starts over); `resume` requires one whose recorded options equal `options` (else resuming
 * would not continue the same run). Returns the step to resume from (0 for a fresh run).
 */
export function openStateDir(
  s: StateDir,
  options: Record<string, unknown>,
  mode: { resume: boolean; force: boolean },
): number {
  const recorded = JSON.stringify(options, null, 2);
  if (mode.resume) {
    const latest = existsSync(s.checkpoints) ? latestCheckpoint(s.checkpoints) : null;
    if (!existsSync(s.options) || latest === null)
      throw new Bert4tfjsError(
        `--resume: ${s.root} holds no checkpoint of an interrupted run; run without --resume to start one`,
        'missing-file',
      );
    const before = readFileSync(s.options, 'utf8').trim();
    if (before !== recorded.trim())
      throw new Bert4tfjsError(
        `--resume: the interrupted run in ${s.root} used other options (${s.options}); resume with the same flags, or pass --force without --resume to start over`,
        'bad-argument',
      );
    return latest.step;
  }
  if (existsSync(s.root)) {
    if (!mode.force) {
      const latest = existsSync(s.checkpoints) ? latestCheckpoint(s.checkpoints) : null;
      throw new Bert4tfjsError(
        `${s.root} holds an interrupted run${latest ? ` (checkpoint at step ${latest.step})` : ''}: pass --resume to continue it, or --force to start over`,
        'exists',
      );
    }
    rmSync(s.root, { recursive: true, force: true });
  }
  mkdirSync(s.checkpoints, { recursive: true });
  writeFileSync(s.options, `${recorded}\n`);
  return 0;
}

/** Removes the state directory (after the output is written). */
export function removeStateDir(s: StateDir): void {
  rmSync(s.root, { recursive: true, force: true });
}
