// GPT-2 checkpoints as they come: a pytorch_model.bin with the causal-mask buffers older transformers
// versions store (h.N.attn.bias [1, 1, n_pos, n_pos], attn.masked_bias) and without the `transformer.`
// prefix (GPT2Model) converts and loads to the fixture's lm_logits; the buffers are not reported as
// unexpected weights; an untied config needs lm_head.weight and names it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { float32ToRaw, rawToFloat32, readSafetensors, writeTorchBin, type NamedTensors } from '@bert4tfjs/core';
import { buildTransformerModel, convertCheckpoint, loadModelDir, runModel } from '../src/index.ts';
import { fixturePath } from '../../../test/helpers/paths.ts';
import { maxAbsDiff } from '../../../test/helpers/compare.ts';

describe('GPT-2 checkpoints with buffers, without prefix, from .bin', () => {
  let work: string;
  const weights = readSafetensors(fixturePath('gpt2', 'model.safetensors'));
  const expected = readSafetensors(fixturePath('gpt2', 'expected.safetensors'));
  const inputs = JSON.parse(readFileSync(fixturePath('gpt2', 'inputs.json'), 'utf8'));
  const config = JSON.parse(readFileSync(fixturePath('gpt2', 'config.json'), 'utf8'));
  beforeAll(async () => {
    await tf.setBackend('cpu');
    work = mkdtempSync(join(tmpdir(), 'b4t-gpt2-bin-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /** The fixture's tensors under GPT2Model names (no `transformer.`), plus the mask buffers. */
  function withBuffers(): NamedTensors {
    const out: NamedTensors = new Map();
    for (const [name, t] of weights) out.set(name.replace(/^transformer\./, ''), t);
    const n = config.n_positions;
    const tril = new Float32Array(n * n).map((_, i) => (i % n <= Math.floor(i / n) ? 1 : 0));
    for (let i = 0; i < config.n_layer; i++) {
      out.set(`h.${i}.attn.bias`, float32ToRaw(tril, [1, 1, n, n]));
      out.set(`h.${i}.attn.masked_bias`, float32ToRaw(new Float32Array([-1e4]), []));
    }
    return out;
  }

  it('loads: every weight found, the buffers not reported as unexpected', () => {
    const built = buildTransformerModel({ config, skipInit: true });
    const report = built.loadWeights(withBuffers());
    expect(report.loaded).toBe(weights.size);
    expect(report.unexpected).toEqual([]);
    const out = runModel(built, { input_ids: inputs.input_ids });
    expect(maxAbsDiff(out.lm_logits.dataSync(), rawToFloat32(expected.get('lm_logits')!))).toBeLessThan(1e-4);
    tf.dispose(Object.values(out));
    built.model.dispose();
  });

  it('convert from pytorch_model.bin gives a directory with the fixture lm_logits', async () => {
    const src = join(work, 'hf-bin');
    const { mkdirSync, writeFileSync } = await import('node:fs');
    mkdirSync(src);
    writeTorchBin(join(src, 'pytorch_model.bin'), withBuffers());
    writeFileSync(join(src, 'config.json'), JSON.stringify(config));
    const out = join(work, 'converted');
    const report = await convertCheckpoint({ from: join(src, 'pytorch_model.bin'), out, model: 'gpt2' });
    expect(report.format).toBe('pytorch');
    const built = loadModelDir(out);
    const got = runModel(built, { input_ids: inputs.input_ids });
    expect(maxAbsDiff(got.lm_logits.dataSync(), rawToFloat32(expected.get('lm_logits')!))).toBeLessThan(1e-4);
    tf.dispose(Object.values(got));
    built.model.dispose();
  });

  it('an untied config asks for lm_head.weight by name', () => {
    const built = buildTransformerModel({ config: { ...config, tie_word_embeddings: false }, skipInit: true });
    expect(built.weightMap.some((m) => m.source === 'lm_head.weight')).toBe(true);
    expect(() => built.loadWeights(weights)).toThrow(
      /missing 1 tensor\(s\): lm_head\.weight \(for LM-Head\/kernel, shape \[32,300\]\)/,
    );
    built.model.dispose();
  });
});
