/**
 * Every real TensorBundle under ../shared/fixtures/real against its manifest (written by an independent
 * parser): names, dtypes, shapes in index order, and values (first values, float64 sum/min/max).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  TfCheckpointReader,
  isOptimizerSlot,
  listVariables,
  loadVariable,
  readTfCheckpoint,
} from '../src/io/tf-checkpoint/index.ts';
import { type RawTensor, numElements } from '../src/io/raw-tensor.ts';
import { sharedAvailable, sharedPath } from '../../../test/helpers/paths.ts';

const CHECKPOINTS = [
  'keras-bert-tiny/bert_model.ckpt',
  'keras-transformer-xl/test_checkpoint_div_1/model.ckpt',
  'keras-transformer-xl/test_checkpoint_div_2/model.ckpt',
  'keras-transformer-xl/test_checkpoint_div_2_cutoffs_3/model.ckpt',
  'keras-xlnet/test_checkpoint_pre/xlnet_model.ckpt',
  'keras-xlnet/test_checkpoint_tune/xlnet_model.ckpt',
  'keras-xlnet/test_checkpoint_empty/xlnet_model.ckpt',
  'keras-gpt2-toy/model.ckpt',
  'tf-serving/saved_model_half_plus_two_cpu/variables/variables',
  'tf-serving/saved_model_half_plus_two_tf2_cpu/variables/variables',
  'tf-serving/saved_model_half_plus_three/variables/variables',
  'tf-serving/saved_model_counter/variables/variables',
];

const DTYPE_NAMES: Record<string, string> = { float32: 'F32', int64: 'I64', string: 'STRING' };

interface ManifestTensor {
  name: string;
  dtype: string;
  shape: number[];
  first_values?: number[];
  sum?: number;
  min?: number;
  max?: number;
  string_lengths?: number[];
}

function manifest(prefix: string): ManifestTensor[] {
  return JSON.parse(readFileSync(sharedPath('fixtures/real', `${prefix}.manifest.json`), 'utf8')).tensors;
}

/** float64 values of an F32 or I64 tensor, decoded here independently of rawToFloat32. */
function values(t: RawTensor): number[] {
  const dv = new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const n = numElements(t.shape);
  const out: number[] = [];
  for (let i = 0; i < n; i++)
    out.push(t.dtype === 'I64' ? Number(dv.getBigInt64(i * 8, true)) : dv.getFloat32(i * 4, true));
  return out;
}

function close(actual: number, expected: number, scale: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-5 * Math.max(Math.abs(expected), scale) + 1e-12);
}

describe.skipIf(!sharedAvailable('fixtures/real'))('real TensorFlow checkpoints match their manifests', () => {
  it.each(CHECKPOINTS)('%s', (prefix) => {
    const path = sharedPath('fixtures/real', prefix);
    const expected = manifest(prefix);
    expect(listVariables(path)).toEqual(
      expected.map((t) => ({ name: t.name, dtype: DTYPE_NAMES[t.dtype], shape: t.shape })),
    );
    const tensors = readTfCheckpoint(path);
    for (const m of expected) {
      if (m.dtype === 'string') {
        const s = tensors.strings.get(m.name)!;
        expect(s.values.map((v) => v.length)).toEqual(m.string_lengths);
        continue;
      }
      const v = values(tensors.get(m.name)!);
      const first = m.first_values!;
      first.forEach((x, i) => close(v[i], x, 0));
      const absMax = Math.max(...v.map(Math.abs));
      close(
        v.reduce((a, b) => a + b, 0),
        m.sum!,
        absMax * v.length,
      );
      expect(Math.min(...v)).toBe(m.min);
      expect(Math.max(...v)).toBe(m.max);
    }
    expect(tensors.size + tensors.strings.size).toBe(expected.length);
  });

  it('accepts the prefix, the .index path, the data shard path and the directory alike', () => {
    const dir = sharedPath('fixtures/real/keras-gpt2-toy');
    const prefix = `${dir}/model.ckpt`;
    for (const p of [prefix, `${prefix}.index`, `${prefix}.data-00000-of-00001`, dir]) {
      expect(TfCheckpointReader.open(p).prefix).toBe(prefix);
    }
    // A SavedModel directory resolves to variables/variables.
    const saved = sharedPath('fixtures/real/tf-serving/saved_model_counter');
    expect(TfCheckpointReader.open(saved).prefix).toBe(`${saved}/variables/variables`);
  });

  it('skipOptimizerSlots drops adam_m, adam_v and global_step and reports them', () => {
    const prefix = 'keras-bert-tiny/bert_model.ckpt';
    const all = manifest(prefix).map((t) => t.name);
    const slots = all.filter((n) => n.endsWith('/adam_m') || n.endsWith('/adam_v') || n === 'global_step');
    const got = readTfCheckpoint(sharedPath('fixtures/real', prefix), { skipOptimizerSlots: true });
    expect(slots.length).toBeGreaterThan(0);
    expect([...got.keys()]).toEqual(all.filter((n) => !slots.includes(n)));
    expect(got.skipped).toEqual(slots.map((name) => ({ name, reason: 'optimizer-slot' })));
    expect(all.filter(isOptimizerSlot)).toEqual(slots);
  });

  it('filter keeps only the accepted names; loadVariable reads the int64 global_step', () => {
    const path = sharedPath('fixtures/real/keras-bert-tiny');
    const got = readTfCheckpoint(path, { filter: /^cls\//, skipOptimizerSlots: true });
    const expected = manifest('keras-bert-tiny/bert_model.ckpt')
      .map((t) => t.name)
      .filter((n) => n.startsWith('cls/') && !isOptimizerSlot(n));
    expect([...got.keys()]).toEqual(expected);
    const step = manifest('keras-bert-tiny/bert_model.ckpt').find((t) => t.name === 'global_step')!;
    const t = loadVariable(path, 'global_step') as RawTensor;
    expect(t.dtype).toBe('I64');
    expect(values(t)).toEqual(step.first_values);
  });

  it('reads the TF2 string tensor whose data sits after the numeric ones', () => {
    const prefix = 'tf-serving/saved_model_half_plus_two_tf2_cpu/variables/variables';
    const reader = TfCheckpointReader.open(sharedPath('fixtures/real', prefix));
    try {
      const m = manifest(prefix).find((t) => t.dtype === 'string')!;
      expect(reader.entry(m.name).offset).toBe((m as unknown as { offset: number }).offset);
      const s = reader.load(m.name);
      expect(s.dtype).toBe('STRING');
      expect(s.dtype === 'STRING' && s.values[0].length).toBe(m.string_lengths![0]);
    } finally {
      reader.close();
    }
  });
});
