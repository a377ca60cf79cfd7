/**
 * The one error type bert4tfjs throws on bad input. Its message always names the thing at fault
 * (file, tensor, argument, line) and what was expected, so the CLI can print it as a one-line reason.
 */
export class Bert4tfjsError extends Error {
  /** A short machine-readable category, e.g. 'bad-file', 'bad-argument', 'missing-tensor'. */
  readonly code: string;

  constructor(message: string, code: string = 'bad-input', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'Bert4tfjsError';
    this.code = code;
  }
}

/** Throws a Bert4tfjsError with `message` unless `condition` holds. */
export function check(condition: unknown, message: string | (() => string), code?: string): asserts condition {
  if (!condition) throw new Bert4tfjsError(typeof message === 'function' ? message() : message, code);
}
