// `bert4tfjs train-matching` on bad input: each case fails with one line naming the file, line or
// argument (or, with --on-bad-line skip, goes on and counts what it skipped), and never overwrites --out.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../test/helpers/paths.ts';
import { makeBertModelDir, runCli, tempDir } from './helpers.ts';

const DATA = join(REPO_ROOT, 'examples', 'data', 'zh-matching');
const QUICK = [
  '--backend',
  'wasm',
  '--config',
  'micro',
  '--epochs',
  '1',
  '--batch-size',
  '16',
  '--limit-train',
  '16',
  '--limit-eval',
  '16',
];
const lines = (file: string, n: number) =>
  `${readFileSync(join(DATA, file), 'utf8')
    .split('\n')
    .slice(0, n + 1)
    .join('\n')}\n`;

describe('train-matching errors', () => {
  const tmp = tempDir('b4t-tm-err-');
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const valid = join(DATA, 'valid.tsv');

  it('a malformed training line is named; --on-bad-line skip goes on and counts it', async () => {
    const bad = join(tmp, 'bad.tsv');
    writeFileSync(
      bad,
      `${lines('train.tsv', 20)}21\t只有一句话\n${lines('train.tsv', 30).split('\n').slice(21).join('\n')}`,
    );
    const out = join(tmp, 'bad-out');
    const r = await runCli('train-matching', ...QUICK, '--train', bad, '--valid', valid, '--out', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${bad}:22: expected 3 or 4 columns, found 2`);
    expect(existsSync(out)).toBe(false);
    const r2 = await runCli(
      'train-matching',
      ...QUICK,
      '--on-bad-line',
      'skip',
      '--train',
      bad,
      '--valid',
      valid,
      '--out',
      out,
    );
    expect(r2.code, r2.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.data.train.skipped).toBe(1);
  });

  it('a label outside the schema is an error naming file and line', async () => {
    const v = join(tmp, 'valid-bad-label.tsv');
    writeFileSync(v, `${lines('valid.tsv', 5)}99\t今天天气好\t天气今天不错\t2\n`);
    const r = await runCli(
      'train-matching',
      ...QUICK,
      '--train',
      join(DATA, 'train.tsv'),
      '--valid',
      v,
      '--out',
      join(tmp, 'x'),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(`${v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:7: label 2 is outside the binary schema`),
    );
  });

  it('an empty training file is an error naming it', async () => {
    const empty = join(tmp, 'empty.tsv');
    writeFileSync(empty, '\n');
    const r = await runCli('train-matching', ...QUICK, '--train', empty, '--valid', valid, '--out', join(tmp, 'y'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`data file is empty: ${empty}`);
  });

  it('a --model directory without vocab.txt is an error naming it', async () => {
    const model = makeBertModelDir(tmp);
    rmSync(join(model, 'vocab.txt'));
    const r = await runCli(
      'train-matching',
      '--backend',
      'cpu',
      '--model',
      model,
      '--train',
      join(DATA, 'train.tsv'),
      '--valid',
      valid,
      '--out',
      join(tmp, 'z'),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`model directory ${model} has no vocab.txt`);
  });

  it('an existing --out is refused without --force and left untouched', async () => {
    const out = join(tmp, 'exists');
    mkdirSync(out);
    writeFileSync(join(out, 'keep.txt'), 'mine');
    const r = await runCli(
      'train-matching',
      ...QUICK,
      '--train',
      join(DATA, 'train.tsv'),
      '--valid',
      valid,
      '--out',
      out,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${out} already exists (use --force to replace it)`);
    expect(readdirSync(out)).toEqual(['keep.txt']);
    expect(readFileSync(join(out, 'keep.txt'), 'utf8')).toBe('mine');
  });

  it('bad arguments name the flag', async () => {
    const base = ['--train', join(DATA, 'train.tsv'), '--valid', valid, '--out', join(tmp, 'w')];
    let r = await runCli('train-matching', ...QUICK, '--objective', 'siamese', ...base);
    expect(r.stderr).toContain(
      "--objective must be one of cross-encoder, cross-encoder-cosent, cosent, contrastive, got 'siamese'",
    );
    r = await runCli('train-matching', '--backend', 'cpu', '--config', 'huge', ...base);
    expect(r.stderr).toContain("--config must be one of micro, tiny, small, base, got 'huge'");
    r = await runCli('train-matching', '--backend', 'cpu', ...base);
    expect(r.stderr).toContain('give either --model DIR');
    r = await runCli('train-matching', ...QUICK, '--epochs', '0', ...base);
    expect(r.stderr).toContain('--epochs must be an integer >= 1');
    expect(existsSync(join(tmp, 'w'))).toBe(false);
  });
});
