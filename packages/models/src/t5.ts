/** Placeholder: the t5 family is being written. */
import type { Family } from './families.ts';

/** The t5 family, or null until it exists. */
export const T5_FAMILY: Family | null = null;
