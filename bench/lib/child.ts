/**
 * Running a bench file in a child process: a fresh wasm heap and thread pool, and a peak RSS of its own.
 * The child gets `--result FILE` and writes its JSON there; stdout and stderr go to our stderr, so our
 * stdout stays the report.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './data.ts';

/**
 * Runs `script` (a .ts file) with `args` plus `--result FILE` under the repository's TypeScript runner and
 * returns what the child wrote to FILE, or why there is nothing (crash, signal, timeout).
 */
export function runChildForResult<T>(
  script: string,
  args: string[],
  timeoutMs: number,
): { result: T } | { error: string } {
  const dir = mkdtempSync(join(tmpdir(), 'b4t-bench-child-'));
  const file = join(dir, 'result.json');
  try {
    const runner = join(REPO_ROOT, 'packages', 'cli', 'bin', 'run-ts.js');
    const r = spawnSync(process.execPath, [runner, script, ...args, '--result', file], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 2, 2],
      timeout: timeoutMs,
    });
    if (existsSync(file)) return { result: JSON.parse(readFileSync(file, 'utf8')) as T };
    return { error: r.error ? r.error.message : r.signal ? `killed by ${r.signal}` : `exit code ${r.status}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
