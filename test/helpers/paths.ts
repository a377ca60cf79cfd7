/**
 * Where test data lives. Generated fixtures are copied into `fixtures/`; files that came from public
 * repositories stay in `../shared` beside the checkout and are never copied in.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The generated fixtures copied into the repo (`fixtures/bert`, `fixtures/tokenizers/...`). */
export function fixturePath(...parts: string[]): string {
  return join(REPO_ROOT, 'fixtures', ...parts);
}

/** `../shared` beside the checkout (override with BERT4TFJS_SHARED). */
export const SHARED_ROOT = process.env.BERT4TFJS_SHARED ?? resolve(REPO_ROOT, '..', 'shared');

/** A path under ../shared. */
export function sharedPath(...parts: string[]): string {
  return join(SHARED_ROOT, ...parts);
}

/**
 * Whether tests that read ../shared can run. Under CI=true a missing ../shared is a failure (thrown
 * here, at collection time); elsewhere those tests skip with a printed reason.
 */
export function sharedAvailable(what: string = ''): boolean {
  const ok = existsSync(sharedPath(what));
  if (!ok) {
    const reason = `../shared${what ? `/${what}` : ''} is missing (looked in ${sharedPath(what)})`;
    if (process.env.CI === 'true' || process.env.CI === '1') {
      throw new Error(`${reason}: CI must have ../shared beside the checkout`);
    }
    console.warn(`skipping tests that need ${reason}`);
  }
  return ok;
}
