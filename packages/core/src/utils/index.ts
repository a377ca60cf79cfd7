/** Small shared utilities: atomic file writes. */
export * from './atomic.ts';
export * from './atomic-stream.ts';
export * from './random.ts';
