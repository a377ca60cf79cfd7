/** Placeholder: the transfo-xl family is being written. */
import type { Family } from './families.ts';

/** The transfo-xl family, or null until it exists. */
export const TRANSFO_XL_FAMILY: Family | null = null;
