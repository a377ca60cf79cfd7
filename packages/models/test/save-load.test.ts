// A built model survives tfjs-layers save/load (custom layers registered for serialization) with
// identical outputs, and a saved model directory reloads to identical outputs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTransformerModel, loadModelDir, runModel, saveModelDir, type TransformerModel } from '../src/index.ts';
import { fixturePath } from '../../../test/helpers/paths.ts';
import { readFileSync } from 'node:fs';

const inputs = JSON.parse(readFileSync(fixturePath('bert', 'inputs.json'), 'utf8'));
const feeds = () => [
  tf.tensor2d(inputs.input_ids, undefined, 'int32'),
  tf.tensor2d(inputs.token_type_ids, undefined, 'int32'),
  tf.tensor2d(inputs.attention_mask, undefined, 'float32'),
];

describe('save and load', () => {
  let built: TransformerModel;
  const tmp = mkdtempSync(join(tmpdir(), 'b4t-save-'));
  beforeAll(async () => {
    await tf.setBackend('cpu');
    built = buildTransformerModel({
      configPath: fixturePath('bert', 'config.json'),
      checkpointPath: fixturePath('bert', 'model.safetensors'),
      withPool: true,
      withMlm: true,
      withNsp: true,
    });
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('model.save / tf.loadLayersModel round trip gives identical outputs', async () => {
    let artifacts: tf.io.ModelArtifacts | null = null;
    await built.model.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    expect(artifacts).not.toBeNull();
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
    const x = feeds();
    const a = built.model.predict(x) as tf.Tensor[];
    const b = loaded.predict(x) as tf.Tensor[];
    expect(b.length).toBe(a.length);
    for (let i = 0; i < a.length; i++) {
      expect(b[i].shape).toEqual(a[i].shape);
      expect(Array.from(b[i].dataSync())).toEqual(Array.from(a[i].dataSync()));
    }
    tf.dispose([x, a, b]);
    loaded.dispose();
  });

  it('saveModelDir then loadModelDir reproduces every output exactly', async () => {
    const dir = join(tmp, 'model');
    await saveModelDir(built, dir, { vocabFiles: [fixturePath('tokenizers', 'bert_wordpiece', 'vocab.txt')] });
    const again = loadModelDir(dir);
    expect([...again.outputNames].sort()).toEqual([...built.outputNames].sort());
    const x = {
      input_ids: inputs.input_ids,
      token_type_ids: inputs.token_type_ids,
      attention_mask: inputs.attention_mask,
    };
    const a = runModel(built, x);
    const b = runModel(again, x);
    for (const name of built.outputNames)
      expect(Array.from(b[name].dataSync())).toEqual(Array.from(a[name].dataSync()));
    tf.dispose([...Object.values(a), ...Object.values(b)]);
  });

  it('saveModelDir refuses to overwrite an existing directory without force', async () => {
    const dir = join(tmp, 'model');
    await expect(saveModelDir(built, dir)).rejects.toThrow(/already exists/);
  });
});
