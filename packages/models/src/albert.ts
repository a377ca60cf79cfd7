/** Placeholder: the albert family is being written. */
import type { Family } from './families.ts';

/** The albert family, or null until it exists. */
export const ALBERT_FAMILY: Family | null = null;
