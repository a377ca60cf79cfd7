// Strict loading: every checkpoint tensor is used or named. A config.json with fewer layers than the
// checkpoint fails forward and embed with one error listing the unused layer tensors; --allow-unused
// (library: allowUnused) loads anyway with a warning; task heads a model leaves out (the MLM/NSP heads
// when only the encoder is built) are never an error.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildTransformerModel, loadModelDir } from '@bert4tfjs/models';
import { fixturePath } from '../../../test/helpers/paths.ts';
import { makeBertModelDir, runCli, tempDir } from './helpers.ts';

const tmp = tempDir('b4t-strict-');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The BERT fixture directory with config.json edited. */
function withConfig(name: string, edit: (cfg: Record<string, unknown>) => void): string {
  const dir = makeBertModelDir(join(tmp, name));
  const cfg = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  edit(cfg);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(cfg));
  return dir;
}

describe('strict checkpoint loading', () => {
  const oneLayer = withConfig('one-layer', (c) => {
    c.num_hidden_layers = 1;
  });
  const texts = join(tmp, 'texts.txt');
  writeFileSync(texts, 'hello world\n');

  it('a config with fewer layers than the checkpoint fails the load, naming every unused tensor', () => {
    expect(() => loadModelDir(oneLayer)).toThrow(/unused 16 tensor\(s\) the model has no place for/);
    try {
      loadModelDir(oneLayer);
    } catch (err) {
      const msg = (err as Error).message;
      expect(msg).toContain('bert.encoder.layer.1.attention.self.query.weight');
      expect(msg).toContain('bert.encoder.layer.1.output.LayerNorm.bias');
      expect(msg).not.toContain('layer.0.');
    }
  });

  it('forward and embed refuse it with one line; --allow-unused runs with a warning', async () => {
    const inputs = fixturePath('bert', 'inputs.json');
    const f = await runCli('forward', '--model', oneLayer, '--inputs', inputs, '--output', join(tmp, 'f.st'), '-q');
    expect(f.code).toBe(1);
    expect(f.stderr).toMatch(/^bert4tfjs: cannot load weights from .*model\.safetensors:\n {2}unused 16 tensor/);
    const e = await runCli('embed', '--model', oneLayer, '--input', texts, '--output', join(tmp, 'e.jsonl'), '-q');
    expect(e.code).toBe(1);
    expect(e.stderr).toContain('unused 16 tensor(s)');
    const ok = await runCli(
      'embed',
      '--model',
      oneLayer,
      '--input',
      texts,
      '--output',
      join(tmp, 'e.jsonl'),
      '--engine',
      'tfjs',
      '--allow-unused',
      '-q',
    );
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(
      /^warning: --allow-unused: 16 checkpoint tensor\(s\) not used: bert\.encoder\.layer\.1\./,
    );
  });

  it('mis-shaped and unused tensors are listed together in the one error', () => {
    const dir = withConfig('narrow-ffn', (c) => {
      c.num_hidden_layers = 1;
      c.intermediate_size = 48;
    });
    expect(() => loadModelDir(dir)).toThrow(/wrong shape for 3 tensor\(s\)[\s\S]*unused 16 tensor/);
  });

  it('heads left out on purpose are reported, not an error; unused non-heads need allowUnused', () => {
    const built = buildTransformerModel({
      configPath: fixturePath('bert', 'config.json'),
      checkpointPath: fixturePath('bert'),
    });
    expect(built.loadReport?.unexpected.sort()).toEqual([
      'bert.pooler.dense.bias',
      'bert.pooler.dense.weight',
      'cls.predictions.bias',
      'cls.predictions.transform.LayerNorm.bias',
      'cls.predictions.transform.LayerNorm.weight',
      'cls.predictions.transform.dense.bias',
      'cls.predictions.transform.dense.weight',
      'cls.seq_relationship.bias',
      'cls.seq_relationship.weight',
    ]);
    expect(built.loadReport?.unusedNonHead).toEqual([]);
    built.model.dispose();
    const cfg = JSON.parse(readFileSync(fixturePath('bert', 'config.json'), 'utf8'));
    const loose = buildTransformerModel({
      config: { ...cfg, num_hidden_layers: 1 },
      checkpointPath: fixturePath('bert'),
      allowUnused: true,
    });
    expect(loose.loadReport?.unusedNonHead.length).toBe(16);
    loose.model.dispose();
  });

  it('a directory whose checkpoint gained a stray tensor is refused', () => {
    const dir = join(tmp, 'stray');
    mkdirSync(dir);
    copyFileSync(fixturePath('bert', 'config.json'), join(dir, 'config.json'));
    const bytes = readFileSync(fixturePath('bert', 'model.safetensors'));
    const n = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
    const end = Math.max(
      ...Object.values(header as Record<string, { data_offsets?: number[] }>).map((v) => v.data_offsets?.[1] ?? 0),
    );
    header['bert.encoder.layer.0.attention.self.qurey.weight'] = {
      dtype: 'F32',
      shape: [1],
      data_offsets: [end, end + 4],
    };
    const h = Buffer.from(JSON.stringify(header));
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(h.length));
    writeFileSync(join(dir, 'model.safetensors'), Buffer.concat([len, h, bytes.subarray(8 + n), Buffer.alloc(4)]));
    expect(() => loadModelDir(dir)).toThrow(/unused 1 tensor\(s\)[\s\S]*qurey/);
  });
});
