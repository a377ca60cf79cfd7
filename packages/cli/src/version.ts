/** The version of this package, read from its package.json (the same relative path from src/ and dist/). */
import { readFileSync } from 'node:fs';

/** This package's version, as npm installed it. */
export function cliVersion(): string {
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}
