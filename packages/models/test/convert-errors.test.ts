// Bad input to convert/export: each fails with one clear error and leaves no output (and no temporary
// directory) behind; an existing output directory is never touched without --force.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bert4tfjsError, readTfCheckpoint, writeTfCheckpoint } from '@bert4tfjs/core';
import { convertCheckpoint, saveCheckpoint } from '../src/convert/index.ts';
import { fixturePath, sharedAvailable, sharedPath } from '../../../test/helpers/paths.ts';

const BERT_TINY = sharedPath('fixtures/real/keras-bert-tiny');
let work: string;

/** Runs `fn`, expecting a Bert4tfjsError; returns it. */
async function failure(fn: () => Promise<unknown>): Promise<Bert4tfjsError> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(Bert4tfjsError);
    return err as Bert4tfjsError;
  }
  throw new Error('expected a failure');
}

/** A copy of keras-bert-tiny in its own folder (so it can be damaged). */
function copyTiny(name: string): string {
  const dir = join(work, name);
  mkdirSync(dir);
  for (const f of ['bert_model.ckpt.index', 'bert_model.ckpt.data-00000-of-00001', 'bert_config.json', 'vocab.txt'])
    copyFileSync(join(BERT_TINY, f), join(dir, f));
  return dir;
}

/** Everything in `work` whose name starts with `prefix` (to catch leftover temporaries). */
function entries(prefix: string): string[] {
  return readdirSync(work).filter((f) => f.startsWith(prefix) || f.startsWith(`.${prefix}`));
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  work = mkdtempSync(join(tmpdir(), 'b4t-convert-err-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('convert refuses bad input and writes nothing', () => {
  it('an existing output directory is an error and stays untouched; --force replaces it', async () => {
    const out = join(work, 'existing');
    mkdirSync(out);
    writeFileSync(join(out, 'keep.txt'), 'mine');
    const before = statSync(join(out, 'keep.txt')).mtimeMs;
    const err = await failure(() => convertCheckpoint({ from: fixturePath('bert'), out }));
    expect(err.code).toBe('exists');
    expect(err.message).toContain(out);
    expect(readdirSync(out)).toEqual(['keep.txt']);
    expect(statSync(join(out, 'keep.txt')).mtimeMs).toBe(before);
    await convertCheckpoint({ from: fixturePath('bert'), out, force: true });
    expect(readdirSync(out).sort()).toEqual(['config.json', 'model.safetensors']);
  });

  it('an unknown --model is an error listing the valid ones', async () => {
    const out = join(work, 'unknown-model');
    const err = await failure(() => convertCheckpoint({ from: fixturePath('bert'), out, model: 'gpt5' }));
    expect(err.message).toContain("unknown model 'gpt5'");
    for (const m of ['bert', 'albert', 'wobert', 't5', 'mt5', 'transfo-xl']) expect(err.message).toContain(m);
    expect(existsSync(out)).toBe(false);
  });

  it('a source the model cannot be built from fails with one error listing every missing tensor', async () => {
    const out = join(work, 'missing-out');
    const src = join(work, 'missing-src');
    mkdirSync(src);
    copyFileSync(fixturePath('bert', 'config.json'), join(src, 'config.json'));
    await saveCheckpoint(fixturePath('bert'), { to: 'tf-checkpoint', out: join(work, 'full-tf') });
    const all = readTfCheckpoint(join(work, 'full-tf'));
    const drop = [
      'bert/encoder/layer_1/attention/self/query/kernel',
      'bert/embeddings/LayerNorm/gamma',
      'bert/encoder/layer_0/output/dense/bias',
    ];
    writeTfCheckpoint(join(src, 'bert_model.ckpt'), new Map([...all].filter(([n]) => !drop.includes(n))));
    const err = await failure(() => convertCheckpoint({ from: src, out, model: 'bert' }));
    expect(err.code).toBe('bad-checkpoint');
    expect(err.message).toContain('3 problem(s)');
    for (const [hf, tfName] of [
      ['bert.encoder.layer.1.attention.self.query.weight', drop[0]],
      ['bert.embeddings.LayerNorm.weight', drop[1]],
      ['bert.encoder.layer.0.output.dense.bias', drop[2]],
    ]) {
      expect(err.message).toContain(`missing ${hf} (from TF ${tfName})`);
    }
    expect(entries('missing-out')).toEqual([]);
  });

  it.skipIf(!sharedAvailable('fixtures/real'))('a truncated .index is a clear error, with no output', async () => {
    const src = copyTiny('truncated');
    const index = join(src, 'bert_model.ckpt.index');
    truncateSync(index, Math.floor(statSync(index).size / 2));
    const out = join(work, 'truncated-out');
    const err = await failure(() => convertCheckpoint({ from: join(src, 'bert_model.ckpt'), out }));
    expect(err.message).toContain('bert_model.ckpt.index');
    expect(entries('truncated-out')).toEqual([]);
  });

  it.skipIf(!sharedAvailable('fixtures/real'))(
    'corrupt tensor data found mid-write leaves no directory and no temporary behind',
    async () => {
      const src = copyTiny('corrupt');
      const data = join(src, 'bert_model.ckpt.data-00000-of-00001');
      const manifest = JSON.parse(readFileSync(join(BERT_TINY, 'bert_model.ckpt.manifest.json'), 'utf8')) as {
        tensors: Array<{ name: string; offset: number }>;
      };
      // A weight the conversion reads (slots are skipped unread), damaged in place.
      const victim = manifest.tensors.find((t) => t.name === 'bert/encoder/layer_1/output/dense/kernel')!;
      const bytes = readFileSync(data);
      bytes[victim.offset + 5] ^= 0xff;
      writeFileSync(data, bytes);
      const out = join(work, 'corrupt-out');
      const err = await failure(() => convertCheckpoint({ from: src, out }));
      expect(err.message).toMatch(/CRC-32C mismatch/);
      expect(entries('corrupt-out')).toEqual([]);
    },
  );

  it('a missing --from names the path', async () => {
    const err = await failure(() => convertCheckpoint({ from: join(work, 'nope'), out: join(work, 'nope-out') }));
    expect(err.message).toContain(join(work, 'nope'));
    expect(existsSync(join(work, 'nope-out'))).toBe(false);
  });
});

describe('export refuses bad input', () => {
  it('--to accepts only safetensors and tf-checkpoint', async () => {
    const err = await failure(() => saveCheckpoint(fixturePath('bert'), { to: 'onnx', out: join(work, 'onnx') }));
    expect(err.message).toBe("--to: unknown format 'onnx' (valid: safetensors, tf-checkpoint)");
    expect(existsSync(join(work, 'onnx'))).toBe(false);
  });

  it('an existing output is not overwritten', async () => {
    const out = join(work, 'export-existing.safetensors');
    writeFileSync(out, 'mine');
    const err = await failure(() => saveCheckpoint(fixturePath('bert'), { to: 'safetensors', out }));
    expect(err.code).toBe('exists');
    expect(readFileSync(out, 'utf8')).toBe('mine');
  });
});
