/**
 * What every command shares: global options (backend, threads, quiet), backend start-up, a progress bar
 * on stderr, and number parsing with errors that name the flag.
 */
import { Bert4tfjsError, initBackend, type BackendChoice, type BackendInfo } from '@bert4tfjs/core';
import * as tf from '@tensorflow/tfjs';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';

/** Options every command accepts. */
export interface GlobalOptions {
  backend?: string;
  threads?: string;
  quiet?: boolean;
}

/** Adds --backend/--threads/--quiet to a command. */
export function withGlobalOptions(cmd: Command): Command {
  return cmd
    .option('--backend <name>', 'auto | tensorflow-gpu | tensorflow | wasm | cpu (default: $BERT4TFJS_BACKEND or auto)')
    .option('--threads <n>', 'wasm threads (default: all cores)')
    .option('-q, --quiet', 'no progress or backend report on stderr');
}

/** Starts the backend the options ask for. */
export async function startBackend(opts: GlobalOptions): Promise<BackendInfo> {
  // tfjs prints its "install the node backend" banner through its warn(), which production mode silences.
  if (opts.quiet) tf.env().set('PROD', true);
  return initBackend({
    backend: opts.backend as BackendChoice | undefined,
    threads: opts.threads === undefined ? undefined : parseIntOption(opts.threads, '--threads', 1),
    quiet: opts.quiet,
  });
}

/** Warns on stderr about checkpoint tensors `--allow-unused` let through (the load fails without it). */
export function warnUnused(unused: string[] | undefined): void {
  if (!unused?.length) return;
  const list = `${unused.slice(0, 10).join(', ')}${unused.length > 10 ? ', ...' : ''}`;
  process.stderr.write(`warning: --allow-unused: ${unused.length} checkpoint tensor(s) not used: ${list}\n`);
}

/** Parses an integer flag; errors name the flag. */
export function parseIntOption(value: string | undefined, flag: string, min = 0): number {
  const n = Number(value);
  if (value === undefined || !Number.isInteger(n) || n < min) {
    throw new Bert4tfjsError(`${flag} must be an integer >= ${min}, got '${value}'`, 'bad-argument');
  }
  return n;
}

/** Parses a float flag; errors name the flag. */
export function parseFloatOption(value: string | undefined, flag: string): number {
  const n = Number(value);
  if (value === undefined || !Number.isFinite(n))
    throw new Bert4tfjsError(`${flag} must be a number, got '${value}'`, 'bad-argument');
  return n;
}

/** A progress bar on stderr (silent when quiet or when stderr is not a terminal and the job is short). */
export function progressBar(
  total: number,
  label: string,
  quiet?: boolean,
): { update(done: number, extra?: Record<string, string | number>): void; stop(): void } {
  if (quiet || total < 64) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {value}/{total} {rate}`,
      stream: process.stderr,
      hideCursor: true,
      noTTYOutput: true,
      notTTYSchedule: 5000,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { rate: '' });
  return { update: (done, extra) => bar.update(done, extra), stop: () => bar.stop() };
}
