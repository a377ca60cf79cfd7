// The real OpenAI-layout GPT-2 toy checkpoint (CyberZHG/keras-gpt-2 tests/toy_checkpoint, in ../shared):
// `convert --from model.ckpt --config hparams.json --model gpt2` writes a Hugging Face directory whose
// every tensor is its TF variable (Conv1D `w` [1, in, out] squeezed to [in, out], bytes unchanged) and
// whose config.json carries hparams.json's values; `forward` runs it, and its position-0 logits equal an
// independent float64 transcription of GPT-2 read straight from the TF variables (at position 0 causal
// attention sees one key, so attention is just c_proj(v)). `export` writes the TF names back exactly,
// and the safetensors export round-trips.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rawToFloat32, readSafetensors, readTfCheckpoint, type RawTensor } from '@bert4tfjs/core';
import { sharedAvailable, sharedPath } from '../../../test/helpers/paths.ts';
import { runCli, tempDir } from './helpers.ts';

const TOY = 'fixtures/real/keras-gpt2-toy';

/** GPT-2's logits at position 0 for token `id`, in float64 from the TF variables (no library code). */
function referenceLogitsAt0(tfv: Map<string, RawTensor>, id: number, h: { n_embd: number; n_layer: number }): number[] {
  const v = (n: string) => Array.from(rawToFloat32(tfv.get(n)!));
  const d = h.n_embd;
  const norm = (x: number[], g: number[], b: number[]) => {
    const mean = x.reduce((s, a) => s + a, 0) / d;
    const variance = x.reduce((s, a) => s + (a - mean) ** 2, 0) / d;
    return x.map((a, i) => ((a - mean) / Math.sqrt(variance + 1e-5)) * g[i] + b[i]);
  };
  const conv = (x: number[], w: number[], b: number[]) =>
    b.map((bj, j) => bj + x.reduce((s, xi, i) => s + xi * w[i * b.length + j], 0));
  const gelu = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
  const wte = v('model/wte');
  let x = wte.slice(id * d, (id + 1) * d).map((a, i) => a + v('model/wpe')[i]);
  for (let l = 0; l < h.n_layer; l++) {
    const p = `model/h${l}`;
    const qkv = conv(norm(x, v(`${p}/ln_1/g`), v(`${p}/ln_1/b`)), v(`${p}/attn/c_attn/w`), v(`${p}/attn/c_attn/b`));
    const value = qkv.slice(2 * d, 3 * d); // one key: softmax = 1, the context is v itself
    const a = conv(value, v(`${p}/attn/c_proj/w`), v(`${p}/attn/c_proj/b`));
    x = x.map((xi, i) => xi + a[i]);
    const inner = conv(norm(x, v(`${p}/ln_2/g`), v(`${p}/ln_2/b`)), v(`${p}/mlp/c_fc/w`), v(`${p}/mlp/c_fc/b`)).map(
      gelu,
    );
    const m = conv(inner, v(`${p}/mlp/c_proj/w`), v(`${p}/mlp/c_proj/b`));
    x = x.map((xi, i) => xi + m[i]);
  }
  const f = norm(x, v('model/ln_f/g'), v('model/ln_f/b'));
  const vocab = wte.length / d;
  return Array.from({ length: vocab }, (_, t) => f.reduce((s, fi, i) => s + fi * wte[t * d + i], 0));
}

describe.skipIf(!sharedAvailable(TOY))('GPT-2: the OpenAI TF toy checkpoint through convert, forward, export', () => {
  const tmp = tempDir('b4t-gpt2-tf-');
  const out = join(tmp, 'gpt2-toy');
  const hparams = JSON.parse(readFileSync(sharedPath(TOY, 'hparams.json'), 'utf8'));
  const tfv = readTfCheckpoint(sharedPath(TOY, 'model.ckpt'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('convert takes model.ckpt + hparams.json and writes config.json, every tensor and the BPE files', async () => {
    const r = await runCli(
      'convert',
      '--from',
      sharedPath(TOY, 'model.ckpt'),
      '--config',
      sharedPath(TOY, 'hparams.json'),
      '--model',
      'gpt2',
      '--out',
      out,
      '-q',
      '--backend',
      'cpu',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['config.json', 'encoder.json', 'model.safetensors', 'vocab.bpe']);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config).toMatchObject({
      model_type: 'gpt2',
      architectures: ['GPT2LMHeadModel'],
      vocab_size: hparams.n_vocab,
      n_positions: hparams.n_ctx,
      n_embd: hparams.n_embd,
      n_head: hparams.n_head,
      n_layer: hparams.n_layer,
    });
    const st = readSafetensors(join(out, 'model.safetensors'));
    expect(st.size).toBe(tfv.size); // 40: nothing left out, nothing made up
    for (const [name, t] of tfv) {
      const hf = name
        .replace(/^model\/h(\d+)\//, 'transformer.h.$1.')
        .replace(/^model\//, 'transformer.')
        .replace(/\//g, '.')
        .replace(/\.w$|\.g$/, '.weight')
        .replace(/\.b$/, '.bias')
        .replace(/wte$|wpe$/, (m) => `${m}.weight`);
      const got = st.get(hf);
      expect(got, `${name} -> ${hf}`).toBeDefined();
      expect(got!.shape).toEqual(t.shape[0] === 1 && t.shape.length === 3 ? t.shape.slice(1) : t.shape);
      expect(Buffer.from(got!.data).equals(Buffer.from(t.data)), name).toBe(true);
    }
  });

  it('forward runs the result; position-0 logits equal a float64 transcription of GPT-2 on the TF variables', async () => {
    const inputs = join(tmp, 'inputs.json');
    const ids = [
      [5, 17, 200, 355, 0],
      [100, 3, 3, 42, 7],
    ];
    writeFileSync(inputs, JSON.stringify({ input_ids: ids }));
    const result = join(tmp, 'out.safetensors');
    const r = await runCli('forward', '--model', out, '--inputs', inputs, '--output', result, '-q', '--backend', 'cpu');
    expect(r.code, r.stderr).toBe(0);
    const got = readSafetensors(result);
    expect(got.get('lm_logits')!.shape).toEqual([2, 5, hparams.n_vocab]);
    expect(got.get('attentions.2')!.shape).toEqual([2, hparams.n_head, 5, 5]);
    const logits = rawToFloat32(got.get('lm_logits')!);
    let worst = 0;
    ids.forEach((row, b) => {
      const want = referenceLogitsAt0(tfv, row[0], hparams);
      const at = b * 5 * hparams.n_vocab;
      want.forEach((w, t) => {
        worst = Math.max(worst, Math.abs(logits[at + t] - w));
      });
    });
    const scale = Math.max(...Array.from(logits, Math.abs));
    console.log(
      `gpt2 toy: position-0 logits vs float64 reference, max |diff| ${worst.toExponential(2)} (max |logit| ${scale.toFixed(3)})`,
    );
    expect(scale).toBeGreaterThan(1e-2); // the comparison is not between near-zero numbers
    expect(worst).toBeLessThan(1e-6); // logits are ~0.3 here, so 1e-4 would be loose
  });

  it('export --to tf-checkpoint writes the OpenAI names and layouts back, byte for byte', async () => {
    const back = join(tmp, 'tf-back');
    const r = await runCli('export', '--model', out, '--to', 'tf-checkpoint', '--out', back, '-q');
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(back)).toContain('hparams.json');
    expect(JSON.parse(readFileSync(join(back, 'hparams.json'), 'utf8'))).toEqual(hparams);
    const again = readTfCheckpoint(join(back, 'model.ckpt'));
    expect([...again.keys()].sort()).toEqual([...tfv.keys()].sort());
    for (const [name, t] of tfv) {
      expect(again.get(name)!.shape, name).toEqual(t.shape);
      expect(Buffer.from(again.get(name)!.data).equals(Buffer.from(t.data)), name).toBe(true);
    }
  });

  it('export --to safetensors round-trips every tensor', async () => {
    const st = join(tmp, 'st-back');
    const r = await runCli('export', '--model', out, '--to', 'safetensors', '--out', st, '-q');
    expect(r.code, r.stderr).toBe(0);
    const a = readSafetensors(join(out, 'model.safetensors'));
    const b = readSafetensors(join(st, 'model.safetensors'));
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [name, t] of a) expect(Buffer.from(b.get(name)!.data).equals(Buffer.from(t.data)), name).toBe(true);
  });
});
