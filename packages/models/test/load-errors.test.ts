// Bad checkpoints and configs fail with one clear error naming what is wrong, never a tfjs stack trace.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bert4tfjsError, readSafetensors, writeSafetensors } from '@bert4tfjs/core';
import { buildTransformerModel, loadModelDir, runModel } from '../src/index.ts';
import { fixturePath } from '../../../test/helpers/paths.ts';

const config = JSON.parse(readFileSync(fixturePath('bert', 'config.json'), 'utf8'));

describe('loading errors', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'b4t-err-'));
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  function dirWith(name: string, weights: (path: string) => void, cfg: object = config): string {
    const dir = join(tmp, name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg));
    weights(join(dir, 'model.safetensors'));
    return dir;
  }

  it('a missing model.safetensors names the directory', () => {
    const dir = dirWith('missing', () => {});
    expect(() => loadModelDir(dir)).toThrow(new RegExp(`${dir} has no model.safetensors`));
  });

  it('a truncated model.safetensors names the file', () => {
    const dir = dirWith('truncated', (p) => {
      const bytes = readFileSync(fixturePath('bert', 'model.safetensors'));
      writeFileSync(p, bytes.subarray(0, Math.floor(bytes.length / 2)));
    });
    expect(() => loadModelDir(dir)).toThrow(Bert4tfjsError);
    expect(() => loadModelDir(dir)).toThrow(/model\.safetensors/);
  });

  it('a config with the wrong hidden size lists every mis-shaped tensor in one error', () => {
    let msg = '';
    try {
      buildTransformerModel({
        config: { ...config, hidden_size: 64, num_attention_heads: 4 },
        checkpointPath: fixturePath('bert', 'model.safetensors'),
      });
    } catch (err) {
      expect(err).toBeInstanceOf(Bert4tfjsError);
      msg = (err as Error).message;
    }
    expect(msg).toMatch(/wrong shape for \d+ tensor/);
    expect(msg).toContain('bert.embeddings.word_embeddings.weight');
    expect(msg).toContain('bert.encoder.layer.1.output.dense.weight');
  });

  it('one tensor of the wrong shape is named with both shapes', () => {
    const dir = dirWith('badshape', (p) => {
      const t = readSafetensors(fixturePath('bert', 'model.safetensors'));
      const bias = t.get('bert.pooler.dense.bias')!;
      t.set('bert.pooler.dense.bias', { dtype: 'F32', shape: [31], data: bias.data.slice(0, 31 * 4) });
      writeSafetensors(p, t);
    });
    expect(() => loadModelDir(dir)).toThrow(/bert\.pooler\.dense\.bias: checkpoint \[31\].*expects \[32\]/);
  });

  it('missing tensors are all listed', () => {
    const dir = dirWith('missingtensors', (p) => {
      const t = readSafetensors(fixturePath('bert', 'model.safetensors'));
      t.delete('bert.encoder.layer.0.attention.self.query.weight');
      t.delete('bert.encoder.layer.1.output.LayerNorm.bias');
      writeSafetensors(p, t);
    });
    expect(() => loadModelDir(dir, { withPool: false, withMlm: false, withNsp: false })).toThrow(
      /missing 2 tensor\(s\): bert\.encoder\.layer\.0\.attention\.self\.query\.weight.*bert\.encoder\.layer\.1\.output\.LayerNorm\.bias/s,
    );
  });

  it('a hidden size not divisible by heads and an unknown model are config errors', () => {
    expect(() => buildTransformerModel({ config: { ...config, num_attention_heads: 5 } })).toThrow(
      /not a multiple of num_attention_heads/,
    );
    expect(() => buildTransformerModel({ config, model: 'gpt9' })).toThrow(/unknown model 'gpt9'/);
    expect(() => buildTransformerModel({ config: { ...config, hidden_act: 'wiggle' } })).toThrow(
      /unknown activation 'wiggle'/,
    );
  });

  it('bad inputs to runModel are named: out-of-vocab id, ragged rows, too long', () => {
    const built = buildTransformerModel({ config });
    expect(() => runModel(built, { input_ids: [[1, 2, 400]] })).toThrow(
      /input_ids\[0\]\[2\] = 400 is outside the vocabulary \[0, 380\)/,
    );
    expect(() =>
      runModel(built, {
        input_ids: [
          [1, 2, 3],
          [1, 2],
        ],
      }),
    ).toThrow(/row 1 has length 2/);
    expect(() => runModel(built, { input_ids: [new Array(65).fill(1)] })).toThrow(
      /sequence length 65 exceeds max_position_embeddings 64/,
    );
    expect(() => runModel(built, { input_ids: [[1, 2]], attention_mask: [[1]] })).toThrow(/attention_mask/);
  });

  it('copying a fixture dir loads fine (control)', () => {
    const dir = dirWith('ok', (p) => copyFileSync(fixturePath('bert', 'model.safetensors'), p));
    expect(loadModelDir(dir).outputNames).toContain('mlm_logits');
  });
});
