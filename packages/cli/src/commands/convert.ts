/** Placeholder: `bert4tfjs convert` is being written. */
import type { Command } from 'commander';

/** Registers `convert` (not yet). */
export function registerConvert(_program: Command): void {}
