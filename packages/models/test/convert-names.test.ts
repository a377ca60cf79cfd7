// The TF <-> HF name tables against real names: the HF side must be exactly what HF 4.30 stores in the
// generated fixtures (fixtures/*/weights-names.txt), the TF side must cover every weight of the real TF
// checkpoints in ../shared (their manifests), leaving only optimizer slots.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readConfigFile } from '../src/config.ts';
import {
  nameRulesFor,
  normaliseHfConfig,
  planFromTf,
  t5ConfigFromTensors,
  transfoXlConfigFromTf,
  type TensorInfo,
} from '../src/index.ts';
import { fixturePath, sharedAvailable, sharedPath } from '../../../test/helpers/paths.ts';

/** Stored tensor names of a fixture (not the aliases HF re-ties), minus HF's non-weight buffers. */
function storedNamesOnly(family: string): string[] {
  const lines = readFileSync(fixturePath(family, 'weights-names.txt'), 'utf8').split('\n');
  const end = lines.findIndex((l) => l.startsWith('# state_dict entries NOT stored'));
  return lines
    .slice(0, end < 0 ? undefined : end)
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split('\t')[0])
    .filter((n) => !n.endsWith('position_ids') && !n.endsWith('inv_freq'))
    .sort();
}

function manifest(path: string): TensorInfo[] {
  const m = JSON.parse(readFileSync(path, 'utf8')) as {
    tensors: Array<{ name: string; dtype: string; shape: number[] }>;
  };
  return m.tensors.map((t) => ({
    name: t.name,
    dtype: t.dtype === 'float32' ? 'F32' : t.dtype === 'int64' ? 'I64' : 'STRING',
    shape: t.shape,
  }));
}

describe('HF side of every name table = the names HF stores', () => {
  for (const [family, model] of [
    ['bert', 'bert'],
    ['albert', 'albert'],
    ['t5', 't5'],
    ['mt5', 'mt5'],
    ['transfo_xl', 'transfo-xl'],
  ] as const) {
    it(`${family}: table HF names equal fixtures/${family}/weights-names.txt`, () => {
      const config = readConfigFile(fixturePath(family, 'config.json'));
      const names = nameRulesFor(model, config)
        .map((r) => r.hf)
        .sort();
      const stored = storedNamesOnly(family);
      expect(stored.length).toBeGreaterThan(10);
      expect(names).toEqual(stored);
    });
  }

  it('BERT kernels are transposed, seq_relationship weights are not', () => {
    const rules = nameRulesFor('bert', { num_hidden_layers: 1 });
    const get = (hf: string) => rules.find((r) => r.hf === hf);
    expect(get('bert.encoder.layer.0.attention.self.query.weight')).toEqual({
      tf: 'bert/encoder/layer_0/attention/self/query/kernel',
      hf: 'bert.encoder.layer.0.attention.self.query.weight',
      transpose: true,
    });
    expect(get('cls.seq_relationship.weight')?.tf).toBe('cls/seq_relationship/output_weights');
    expect(get('cls.seq_relationship.weight')?.transpose).toBeUndefined();
    expect(get('bert.embeddings.LayerNorm.weight')?.tf).toBe('bert/embeddings/LayerNorm/gamma');
  });

  it('mT5 writes rms_norm names and accepts layer_norm ones; t5 the other way round', () => {
    const mt5 = nameRulesFor('mt5', { num_layers: 1, feed_forward_proj: 'gated-gelu', tie_word_embeddings: false });
    const norm = mt5.find((r) => r.hf === 'encoder.block.0.layer.0.layer_norm.weight');
    expect(norm).toMatchObject({
      tf: 'encoder/block_000/layer_000/rms_norm/scale',
      aliases: ['encoder/block_000/layer_000/layer_norm/scale'],
    });
    expect(mt5.find((r) => r.hf === 'encoder.final_layer_norm.weight')?.tf).toBe('encoder/rms_norm/scale');
    expect(mt5.find((r) => r.hf === 'lm_head.weight')).toMatchObject({ tf: 'decoder/logits/kernel', transpose: true });
    const t5 = nameRulesFor('t5', { num_layers: 1 });
    expect(t5.find((r) => r.hf === 'decoder.final_layer_norm.weight')?.tf).toBe('decoder/final_layer_norm/scale');
    expect(t5.some((r) => r.hf === 'lm_head.weight')).toBe(false);
    expect(t5.find((r) => r.hf.endsWith('relative_attention_bias.weight'))?.transpose).toBe(true);
  });
});

describe.skipIf(!sharedAvailable('fixtures/real'))('TF side covers the real checkpoints in ../shared', () => {
  it('keras-bert-tiny: every weight maps, only Adam slots and global_step are left', () => {
    const listing = manifest(sharedPath('fixtures/real/keras-bert-tiny/bert_model.ckpt.manifest.json'));
    const config = normaliseHfConfig(
      'bert',
      readConfigFile(sharedPath('fixtures/real/keras-bert-tiny/bert_config.json')),
      'bert_config.json',
    );
    const plan = planFromTf(nameRulesFor('bert', config), listing);
    expect(plan.unmapped).toEqual([]);
    const slots = listing.filter((t) => /\/adam_[mv]$/.test(t.name) || t.name === 'global_step').map((t) => t.name);
    expect(plan.optimizerSlots.sort()).toEqual(slots.sort());
    expect(plan.tensors.length).toBe(listing.length - slots.length);
    // [in, out] kernels become [out, in].
    const inter = plan.tensors.find((t) => t.name === 'bert.encoder.layer.0.intermediate.dense.weight');
    expect(inter?.shape).toEqual([16, 4]);
    expect(plan.tensors.find((t) => t.name === 'cls.seq_relationship.weight')?.shape).toEqual([2, 4]);
  });

  for (const dir of ['test_checkpoint_div_1', 'test_checkpoint_div_2', 'test_checkpoint_div_2_cutoffs_3']) {
    it(`keras-transformer-xl/${dir}: every variable maps`, () => {
      const base = sharedPath('fixtures/real/keras-transformer-xl', dir);
      const listing = manifest(`${base}/model.ckpt.manifest.json`);
      const config = transfoXlConfigFromTf(readConfigFile(`${base}/config.json`), listing);
      const plan = planFromTf(nameRulesFor('transfo-xl', config), listing);
      expect(plan.unmapped).toEqual([]);
      expect(plan.optimizerSlots).toEqual([]);
      const rw = listing.find((t) => t.name === 'transformer/r_w_bias')!;
      expect(config.untie_r).toBe(rw.shape.length === 3);
      // Cutoffs lose the framing 0 and vocab_size of the TF config.
      const tfCutoffs = (readConfigFile(`${base}/config.json`).cutoffs as number[] | undefined) ?? [];
      expect(config.cutoffs).toEqual(tfCutoffs.slice(1, -1));
    });
  }
});

describe('T5 config read off mesh shapes', () => {
  it('recovers heads, d_kv, d_ff, layers, gating and tying', () => {
    const listing: TensorInfo[] = [
      { name: 'shared/embedding', dtype: 'F32', shape: [100, 16] },
      { name: 'encoder/block_000/layer_000/SelfAttention/q', dtype: 'F32', shape: [16, 24] },
      { name: 'encoder/block_000/layer_000/SelfAttention/relative_attention_bias', dtype: 'F32', shape: [3, 32] },
      { name: 'encoder/block_000/layer_001/DenseReluDense/wi_0/kernel', dtype: 'F32', shape: [16, 40] },
      { name: 'encoder/block_001/layer_000/SelfAttention/q', dtype: 'F32', shape: [16, 24] },
      { name: 'decoder/block_000/layer_000/SelfAttention/q', dtype: 'F32', shape: [16, 24] },
      { name: 'decoder/logits/kernel', dtype: 'F32', shape: [16, 100] },
    ];
    expect(t5ConfigFromTensors(listing)).toMatchObject({
      vocab_size: 100,
      d_model: 16,
      num_heads: 3,
      d_kv: 8,
      d_ff: 40,
      num_layers: 2,
      num_decoder_layers: 1,
      relative_attention_num_buckets: 32,
      feed_forward_proj: 'gated-gelu',
      tie_word_embeddings: false,
    });
  });
});
