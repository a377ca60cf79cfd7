/** Placeholder: `bert4tfjs train-matching` is being written. */
import type { Command } from 'commander';

/** Registers `train-matching` (not yet). */
export function registerTrainMatching(_program: Command): void {}
