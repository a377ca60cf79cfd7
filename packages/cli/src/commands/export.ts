/** Placeholder: `bert4tfjs export` is being written. */
import type { Command } from 'commander';

/** Registers `export` (not yet). */
export function registerExport(_program: Command): void {}
