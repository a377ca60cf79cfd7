/**
 * Turns `initBackend` options plus the BERT4TFJS_BACKEND / BERT4TFJS_THREADS environment variables into
 * one validated request. Explicit options win; bad values fail loudly, naming where they came from.
 */
import { Bert4tfjsError } from '../errors.ts';
import { BACKEND_CHOICES, type BackendChoice, type BackendOptions } from './types.ts';

/** A validated request: which engine, and how many threads the caller asked for (undefined: default). */
export interface BackendRequest {
  backend: BackendChoice;
  /** Where `backend` came from, for the report: the option, the environment variable, or the default. */
  source: 'option' | 'env' | 'default';
  threads: number | undefined;
  quiet: boolean;
  log: (line: string) => void;
}

/** Environment variable that sets the default engine. */
export const BACKEND_ENV = 'BERT4TFJS_BACKEND';
/** Environment variable that sets the default wasm thread count. */
export const THREADS_ENV = 'BERT4TFJS_THREADS';

/** Writes one line to stderr: the default report sink. */
function stderrLine(line: string): void {
  process.stderr.write(`${line}\n`);
}

/**
 * Checks that `value` names a backend; `source` says where it came from (for the error message).
 * Throws a Bert4tfjsError listing the valid names otherwise.
 */
export function parseBackendChoice(value: unknown, source: string): BackendChoice {
  const text = typeof value === 'string' ? value.trim().toLowerCase() : value;
  if (typeof text === 'string' && (BACKEND_CHOICES as readonly string[]).includes(text)) {
    return text as BackendChoice;
  }
  throw new Bert4tfjsError(
    `${source}: unknown backend ${JSON.stringify(value)}; expected one of ${BACKEND_CHOICES.join(', ')}`,
    'bad-argument',
  );
}

/** Checks that `value` is a whole number >= 1; `source` names the option or variable at fault. */
export function parseThreads(value: unknown, source: string): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 1) return n;
  throw new Bert4tfjsError(
    `${source}: expected a whole number of threads >= 1, got ${JSON.stringify(value)}`,
    'bad-argument',
  );
}

/**
 * Merges options with the environment (`env` defaults to process.env) and validates the result.
 * Empty environment variables count as unset.
 */
export function resolveRequest(options: BackendOptions = {}, env: NodeJS.ProcessEnv = process.env): BackendRequest {
  const envBackend = env[BACKEND_ENV]?.trim();
  const envThreads = env[THREADS_ENV]?.trim();
  const backend =
    options.backend !== undefined
      ? parseBackendChoice(options.backend, 'initBackend option "backend"')
      : envBackend
        ? parseBackendChoice(envBackend, `environment variable ${BACKEND_ENV}`)
        : 'auto';
  const threads =
    options.threads !== undefined
      ? parseThreads(options.threads, 'initBackend option "threads"')
      : envThreads
        ? parseThreads(envThreads, `environment variable ${THREADS_ENV}`)
        : undefined;
  if (options.log !== undefined && typeof options.log !== 'function') {
    throw new Bert4tfjsError('initBackend option "log": expected a function (line: string) => void', 'bad-argument');
  }
  const source = options.backend !== undefined ? 'option' : envBackend ? 'env' : 'default';
  return { backend, source, threads, quiet: options.quiet === true, log: options.log ?? stderrLine };
}
