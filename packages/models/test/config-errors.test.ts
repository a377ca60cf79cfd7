// Config and model-directory errors a user can act on: absurd sizes (vocab_size 1e12) are a bad-config error
// naming the file and key, not an allocation failure inside tfjs; config errors from loadModelDir name the
// config.json; a directory with only pytorch_model.bin points at `bert4tfjs convert`.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Bert4tfjsError } from '@bert4tfjs/core';
import { buildTransformerModel, loadModelDir } from '../src/index.ts';
import { fixturePath } from '../../../test/helpers/paths.ts';

const tmp = mkdtempSync(join(tmpdir(), 'b4t-config-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const base = JSON.parse(readFileSync(fixturePath('bert', 'config.json'), 'utf8')) as Record<string, unknown>;

describe('config errors', () => {
  it.each([
    ['vocab_size', 1e12],
    ['hidden_size', 2 ** 30],
    ['max_position_embeddings', 1e9],
  ])('%s = %d is a named bad-config error', (key, value) => {
    const err = (() => {
      try {
        buildTransformerModel({ model: 'bert', config: { ...base, [key]: value } });
      } catch (e) {
        return e as Bert4tfjsError;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(Bert4tfjsError);
    expect(err?.message).toBe(`config: '${key}' = ${value} is not a plausible model size (at most 16777216)`);
  });

  it('loadModelDir names the config.json at fault', () => {
    const dir = join(tmp, 'bad-config');
    mkdirSync(dir);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...base, num_attention_heads: 'four' }));
    copyFileSync(fixturePath('bert', 'model.safetensors'), join(dir, 'model.safetensors'));
    expect(() => loadModelDir(dir)).toThrow(
      new RegExp(`^${join(dir, 'config.json').replace(/[.]/g, '\\.')}: 'num_attention_heads'`),
    );
  });

  it('a directory holding only pytorch_model.bin suggests convert', () => {
    const dir = join(tmp, 'torch-only');
    mkdirSync(dir);
    copyFileSync(fixturePath('bert', 'config.json'), join(dir, 'config.json'));
    writeFileSync(join(dir, 'pytorch_model.bin'), 'x');
    expect(() => loadModelDir(dir)).toThrow(
      `${dir} has no model.safetensors; it has ${join(dir, 'pytorch_model.bin')}: run \`bert4tfjs convert --from ${join(dir, 'pytorch_model.bin')} --out DIR\` first`,
    );
  });
});
