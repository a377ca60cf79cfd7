/**
 * Refusing shared encoder options a family's builder cannot honour, naming the option and the family,
 * instead of ignoring them.
 */
import { Bert4tfjsError } from '@bert4tfjs/core';
import type { BertBuildOptions } from './build-options.ts';

/** Every shared encoder option (the keys of {@link BertBuildOptions}). */
const SHARED_OPTIONS: readonly (keyof BertBuildOptions)[] = [
  'withPool',
  'withMlm',
  'withNsp',
  'attention',
  'keepTokens',
  'compoundTokens',
  'layerNormCond',
  'numLabels',
  'application',
];

/** Throws when `opts` sets a shared option outside `supported` (false / null / undefined count as unset). */
export function rejectUnsupportedOptions(
  family: string,
  supported: readonly (keyof BertBuildOptions)[],
  opts: BertBuildOptions,
): void {
  for (const key of SHARED_OPTIONS) {
    const v = opts[key];
    if (supported.includes(key) || v === undefined || v === null || v === false) continue;
    throw new Bert4tfjsError(
      `${family}: option ${key} is not supported (supported: ${supported.join(', ')})`,
      'bad-argument',
    );
  }
}
