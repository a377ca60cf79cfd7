// Kill test: a child process trains the tiny BERT with a checkpoint after every step and is SIGKILLed
// mid-run. Every checkpoint left visible must be complete and loadable, no temporary directory may pass
// for one, and resuming from the newest must finish with the weights of an uninterrupted run.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { latestCheckpoint, listCheckpoints, loadCheckpoint, readMetricsLog } from '@bert4tfjs/core';
import { REPO_ROOT } from './helpers/paths.ts';
import { JOB_STEPS, train } from './fixtures-trainer/train-child.ts';

const root = mkdtempSync(join(tmpdir(), 'trainer-kill-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Starts the child and SIGKILLs it once it has reported `killAt` steps; resolves with the steps it reported. */
function runAndKill(dir: string, killAt: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(REPO_ROOT, 'packages/cli/bin/run-ts.js'),
        join(REPO_ROOT, 'test/fixtures-trainer/train-child.ts'),
        '--dir',
        dir,
        '--delay',
        '30',
      ],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let last = 0;
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.stdout.on('data', (d: Buffer) => {
      for (const m of d.toString().matchAll(/step (\d+)/g)) last = Math.max(last, Number(m[1]));
      if (last >= killAt) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(last);
      else reject(new Error(`child exited with ${code} before it was killed (last step ${last}): ${err.slice(-2000)}`));
    });
  });
}

describe('Trainer checkpoints survive SIGKILL', () => {
  it('leaves only complete checkpoints and resumes to the uninterrupted result', async () => {
    const dir = join(root, 'ck');
    const reached = await runAndKill(dir, 6);
    expect(reached).toBeGreaterThanOrEqual(6);
    expect(reached).toBeLessThan(JOB_STEPS);
    const visible = listCheckpoints(dir);
    expect(visible.length).toBeGreaterThan(0);
    expect(visible.length).toBeLessThanOrEqual(3);
    // Every directory that looks like a checkpoint is one, and loads.
    const named = readdirSync(dir).filter((n) => n.startsWith('step-'));
    expect(named.length).toBe(visible.length);
    for (const c of visible) {
      const ck = loadCheckpoint(c.path);
      expect(ck.state.step).toBe(c.step);
      expect(ck.weights.size).toBeGreaterThan(0);
      [...ck.weights.values(), ...ck.optimizer.values()].forEach((t) => t.dispose());
    }
    const latest = latestCheckpoint(dir)!;
    expect(latest.step).toBeGreaterThanOrEqual(reached - 1);
    // A temporary directory left by a dead writer is neither listed nor kept.
    const stale = join(dir, '.step-00000099.999999.abcdef12.tmp');
    mkdirSync(stale);
    expect(listCheckpoints(dir).map((c) => c.step)).toEqual(visible.map((c) => c.step));

    const resumed = await train({ dir, resume: true });
    expect(resumed.result.resumedFrom).toBe(latest.step);
    expect(resumed.result.step).toBe(JOB_STEPS);
    expect(existsSync(stale)).toBe(false);
    const reference = await train({ dir: join(root, 'reference') });
    expect(reference.result.step).toBe(JOB_STEPS);
    expect(resumed.weights).toEqual(reference.weights);
    // The metrics log, appended to by both processes, reads as one run with every step.
    const log = readMetricsLog(join(dir, 'metrics.jsonl'), { latestPerStep: true });
    expect(log.map((r) => r.step)).toEqual(Array.from({ length: JOB_STEPS }, (_, i) => i + 1));
    expect(log.map((r) => r.loss)).toEqual(
      readMetricsLog(join(root, 'reference', 'metrics.jsonl'), { latestPerStep: true }).map((r) => r.loss),
    );
  });
});
