/** Small shared utilities: atomic file writes. */
export * from './atomic.ts';
