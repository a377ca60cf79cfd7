// Building with a checkpoint skips drawing random values for weights the checkpoint overwrites, but a
// weight the checkpoint lacks (an optional new head) still gets its random initial values.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { readSafetensors } from '@bert4tfjs/core';
import { buildTransformerModel, findWeight, loadMappedWeights } from '../src/index.ts';
import { fixturePath } from '../../../test/helpers/paths.ts';

describe('deferred initialisation', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('loaded weights equal the checkpoint; an optional weight absent from it is random, not zero', () => {
    const built = buildTransformerModel({
      configPath: fixturePath('bert', 'config.json'),
      checkpointPath: fixturePath('bert', 'model.safetensors'),
      withPool: true,
    });
    const src = readSafetensors(fixturePath('bert', 'model.safetensors'));
    const emb = findWeight(built.model, 'Embedding-Token', 'embeddings').read().dataSync();
    const want = new Float32Array(src.get('bert.embeddings.word_embeddings.weight')!.data.slice().buffer);
    expect(Array.from(emb)).toEqual(Array.from(want));

    // A model whose map marks a head optional and whose checkpoint lacks it.
    const plain = buildTransformerModel({
      configPath: fixturePath('bert', 'config.json'),
      skipInit: true,
      withPool: true,
    });
    const pooler = findWeight(plain.model, 'Pooler-Dense', 'kernel');
    expect(Array.from(pooler.read().dataSync()).every((v) => v === 0)).toBe(true); // skipInit: zeros
    const fresh = buildTransformerModel({ configPath: fixturePath('bert', 'config.json'), withPool: true });
    const values = Array.from(findWeight(fresh.model, 'Pooler-Dense', 'kernel').read().dataSync());
    const std = Math.sqrt(values.reduce((s, v) => s + v * v, 0) / values.length);
    expect(std).toBeGreaterThan(0.01); // truncated normal, stddev 0.02 (initializer_range)
    expect(std).toBeLessThan(0.03);

    const map = fresh.weightMap.map((m) => (m.layer === 'Pooler-Dense' ? { ...m, optional: true } : m));
    const withoutPooler = new Map([...src].filter(([k]) => !k.startsWith('bert.pooler')));
    const report = loadMappedWeights(fresh.model, map, withoutPooler, {
      prefix: 'bert.',
      isHeadTensor: (n) => n.startsWith('cls.'),
    });
    expect(report.notInCheckpoint.sort()).toEqual(['bert.pooler.dense.bias', 'bert.pooler.dense.weight']);
    expect(Array.from(findWeight(fresh.model, 'Pooler-Dense', 'kernel').read().dataSync())).toEqual(values);
  });
});
