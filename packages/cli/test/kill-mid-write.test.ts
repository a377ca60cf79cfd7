// A convert / export SIGKILLed mid-write (a real kill of the real command, stopped just before it
// renames its finished temporary into place) leaves its `.NAME.PID.HEX.tmp` and never a partial output; the
// next run clears the stale temporary (its PID is dead) and writes the output. A live writer's temporary is kept.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeStaleTemps } from '@bert4tfjs/core';
import { REPO_ROOT } from '../../../test/helpers/paths.ts';
import { makeBertModelDir, runCli, tempDir } from './helpers.ts';

const tmp = tempDir('b4t-kill-');
const model = makeBertModelDir(tmp);
const texts = join(tmp, 'texts.jsonl');
writeFileSync(texts, `${JSON.stringify({ text: 'hello world' })}\n`);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs the command in a child, SIGKILLs it when it is about to rename its output into place. */
function runAndKill(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(REPO_ROOT, 'packages/cli/bin/run-ts.js'),
        join(REPO_ROOT, 'packages/cli/test/fixtures/kill-before-rename.ts'),
        ...args,
      ],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready ')) child.kill('SIGKILL');
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(out);
      else reject(new Error(`child exited with ${code} before it was killed: ${err.slice(-2000)}`));
    });
  });
}

const temps = (dir: string, name: string) =>
  readdirSync(dir).filter((f) => f.startsWith(`.${name}.`) && f.endsWith('.tmp'));

const cases: Array<{ name: string; args: (out: string) => string[] }> = [
  {
    name: 'convert',
    args: (out) => ['convert', '--from', join(model, 'model.safetensors'), '--out', out, '--backend', 'cpu', '-q'],
  },
  { name: 'export', args: (out) => ['export', '--model', model, '--to', 'tf-checkpoint', '--out', out, '-q'] },
];

describe.each(cases)('a SIGKILLed $name', ({ name, args }) => {
  it('leaves no output, and the next run clears its stale temporary', async () => {
    const parent = join(tmp, name);
    mkdirSync(parent);
    const out = join(parent, 'result');
    const said = await runAndKill(args(out));
    expect(said).toMatch(/ready /);
    expect(existsSync(out)).toBe(false);
    expect(temps(parent, 'result').length).toBe(1);
    const r = await runCli(...args(out));
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(out)).toBe(true);
    expect(temps(parent, 'result')).toEqual([]);
  }, 60_000);
});

describe('removeStaleTemps', () => {
  it("keeps a live process's temporary and files that only look alike", () => {
    const dir = join(tmp, 'live');
    mkdirSync(dir);
    const mine = join(dir, `.out.${process.pid}.0badc0de.tmp`);
    const other = join(dir, '.out.notapid.0badc0de.tmp');
    writeFileSync(mine, '');
    writeFileSync(other, '');
    expect(removeStaleTemps(join(dir, 'out'))).toEqual([]);
    expect(existsSync(mine) && existsSync(other)).toBe(true);
  });
});
