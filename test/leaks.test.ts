// No tensor or variable leaks at any public entry point: build, load (every fixture family, incl. the tied
// MLM embedding and ALBERT's shared block), forward (T5 with labels → loss, GPT-2 with its cache), embed, similar, tokenize, a training step, export. Each is
// run 20 times; after every call tf.memory().numTensors and the registered-variable count are back where they
// were before it (for a long-lived object: where they were once it existed), and after dispose() at the start.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adamW, initBackend, Trainer } from '@bert4tfjs/core';
import { buildTransformerModel, loadModelDir, saveCheckpoint } from '@bert4tfjs/models';
import { Embedder, findSimilar, forwardModelDir, openModel } from 'bert4tfjs';
import { makeBertModelDir, runCli, tempDir } from '../packages/cli/test/helpers.ts';
import { collate, makeExamples, nspLoss } from './fixtures-trainer/tiny-bert-task.ts';
import { fixturePath } from './helpers/paths.ts';

const RUNS = 20;
const tmp = tempDir('b4t-leaks-');
let model: string;
beforeAll(async () => {
  await initBackend({ backend: 'cpu', quiet: true });
  model = makeBertModelDir(tmp);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Tensors and variables alive now. */
function alive(): { tensors: number; variables: number } {
  return { tensors: tf.memory().numTensors, variables: Object.keys(tf.engine().state.registeredVariables).length };
}

/** Runs `call` RUNS times, asserting after each that nothing it made is still alive. */
async function expectNoGrowth(what: string, call: (i: number) => unknown): Promise<void> {
  const start = alive();
  for (let i = 0; i < RUNS; i++) {
    await call(i);
    expect(alive(), `${what}, call ${i + 1}`).toEqual(start);
  }
}

const FAMILIES = [
  'bert',
  'albert',
  't5',
  'mt5',
  'transfo_xl',
  'roformer',
  'electra',
  'electra_generator',
  'nezha',
  'roberta',
  'gpt2',
];

describe('no leaks at the public entry points', () => {
  it('buildTransformerModel + model.dispose() (BERT with MLM/NSP heads: the tied embedding)', async () => {
    const config = JSON.parse(readFileSync(fixturePath('bert', 'config.json'), 'utf8')) as Record<string, unknown>;
    await expectNoGrowth('build', () => {
      const built = buildTransformerModel({ model: 'bert', config, withPool: true, withMlm: true, withNsp: true });
      built.model.dispose();
    });
  });

  it.each(FAMILIES)('%s: loadModelDir + dispose(), and forwardModelDir', async (family) => {
    await expectNoGrowth(`load ${family}`, () => loadModelDir(fixturePath(family)).model.dispose());
    const inputs = JSON.parse(readFileSync(fixturePath(family, 'inputs.json'), 'utf8')) as Record<string, unknown>;
    await expectNoGrowth(`forward ${family}`, () => forwardModelDir(fixturePath(family), inputs));
  });

  it('Embedder.embed on an open model, then openModel + dispose()', async () => {
    const before = alive();
    const { built, tokenizer } = openModel(model);
    const embedder = new Embedder(built, tokenizer, { pooling: 'mean', normalize: true });
    await expectNoGrowth('embed', (i) =>
      embedder.embed([{ text: `hello world ${i}` }, { text: 'a longer text here' }]),
    );
    built.model.dispose();
    expect(alive()).toEqual(before);
  });

  it('findSimilar', async () => {
    await expectNoGrowth('similar', () => findSimilar(model, ['hello world', 'good night'], ['hello'], { topK: 1 }));
  });

  it('tokenize (CLI, in process)', async () => {
    const input = join(tmp, 'texts.jsonl');
    writeFileSync(input, `${JSON.stringify({ text: 'hello world' })}\n`);
    await expectNoGrowth('tokenize', async () => {
      const r = await runCli(
        'tokenize',
        '--model',
        model,
        '--input',
        input,
        '--output',
        join(tmp, 't.jsonl'),
        '--force',
      );
      expect(r.code, r.stderr).toBe(0);
    });
  });

  it('a training step (Adam slots exist from the first step on), then dispose() of model and optimizer', async () => {
    const before = alive();
    const built = loadModelDir(fixturePath('bert'), { withPool: true, withNsp: true, withMlm: false });
    const optimizer = adamW({ learningRate: 1e-3 });
    const trainer = new Trainer({ model: built.model, loss: nspLoss, optimizer, microBatch: 4 });
    const batch = collate(makeExamples(4));
    await trainer.trainStep(batch, 1);
    await expectNoGrowth('train step', (i) => trainer.trainStep(batch, i + 2));
    tf.dispose(Object.values(batch));
    optimizer.dispose();
    built.model.dispose();
    expect(alive()).toEqual(before);
  });

  it('saveCheckpoint (safetensors and tf-checkpoint) and export --to onnx', async () => {
    const out = join(tmp, 'exports');
    mkdirSync(out);
    await expectNoGrowth('export', async (i) => {
      await saveCheckpoint(model, { to: i % 2 ? 'safetensors' : 'tf-checkpoint', out: join(out, 'x'), force: true });
      const r = await runCli('export', '--model', model, '--to', 'onnx', '--out', join(out, 'onnx'), '--force', '-q');
      expect(r.code, r.stderr).toBe(0);
    });
  });
});
