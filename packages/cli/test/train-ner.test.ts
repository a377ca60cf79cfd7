// `bert4tfjs train-ner` on the deterministic synthetic Chinese NER set (packages/cli/src/data/synthetic-ner.ts;
// no labelled NER data is bundled). Entity F1 is recomputed here from predictions-test.jsonl (exact
// start+end+type match, written out below, not the command's code); both heads must clear 0.8, far above the
// "tag nothing" (0) and "most frequent training span" rules; bad inputs are named errors; no tensor leaks.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { generateNerRows, toBioRow } from '../src/data/synthetic-ner.ts';
import { trainNer } from '../src/ner/run.ts';
import { runCli, tempDir } from './helpers.ts';

const tmp = tempDir('b4t-ner-');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const jsonl = (name: string, rows: object[]) => {
  const p = join(tmp, name);
  writeFileSync(p, `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
  return p;
};
const readJson = (p: string) => JSON.parse(readFileSync(p, 'utf8'));
const QUICK = [
  '--backend',
  'wasm',
  '--config',
  'micro',
  '--batch-size',
  '8',
  '--max-length',
  '32',
  '--lr',
  '3e-3',
  '--evals-per-epoch',
  '1',
];

interface Span {
  start: number;
  end: number;
  type: string;
}
/** Entity-level micro F1 with exact (start, end, type) matching. */
function f1Of(preds: Array<{ gold: Span[]; predicted: Span[] }>): number {
  let [tp, np, ng] = [0, 0, 0];
  for (const p of preds) {
    const gold = p.gold.map((s) => `${s.start}/${s.end}/${s.type}`);
    np += p.predicted.length;
    ng += gold.length;
    tp += p.predicted.filter((s) => gold.includes(`${s.start}/${s.end}/${s.type}`)).length;
  }
  return tp ? (2 * tp) / (np + ng) : 0;
}
const predictions = (out: string) =>
  readFileSync(join(out, 'predictions-test.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

const files = {
  train: jsonl('train.jsonl', generateNerRows(128, 1)),
  valid: jsonl('valid.jsonl', generateNerRows(48, 2)),
  test: jsonl('test.jsonl', generateNerRows(64, 3)),
  trainBio: jsonl('train-bio.jsonl', generateNerRows(128, 1).map(toBioRow)),
  validBio: jsonl('valid-bio.jsonl', generateNerRows(48, 2).map(toBioRow)),
  testBio: jsonl('test-bio.jsonl', generateNerRows(64, 3).map(toBioRow)),
};

describe('train-ner', () => {
  it('CRF on span JSONL: entity F1 > 0.8, recomputed from predictions; BertForTokenClassification config', async () => {
    const out = join(tmp, 'crf');
    const r = await runCli(
      'train-ner',
      ...QUICK,
      '--head',
      'crf',
      '--epochs',
      '4',
      '--train',
      files.train,
      '--valid',
      files.valid,
      '--test',
      files.test,
      '--out',
      out,
    );
    expect(r.code, r.stderr).toBe(0);
    const s = readJson(join(out, 'summary.json'));
    expect(s.types).toEqual(['LOC', 'ORG', 'PER']);
    const preds = predictions(out);
    expect(preds).toHaveLength(64);
    const f1 = f1Of(preds);
    expect(s.test.f1).toBeCloseTo(f1, 10);
    expect(f1).toBeGreaterThan(0.8);
    expect(s.baselines['tag-nothing']).toBe(0);
    expect(s.baselines['most-frequent-span']).toBeLessThan(0.3);
    // Character offsets: the predicted text is the slice of the input text.
    for (const p of preds) for (const e of p.predicted) expect(e.text).toBe([...p.text].slice(e.start, e.end).join(''));
    const config = readJson(join(out, 'config.json'));
    expect(config.architectures).toEqual(['BertForTokenClassification']);
    expect(config.id2label).toEqual({ 0: 'O', 1: 'B-LOC', 2: 'I-LOC', 3: 'B-ORG', 4: 'I-ORG', 5: 'B-PER', 6: 'I-PER' });
    const header = readFileSync(join(out, 'model.safetensors'));
    const meta = JSON.parse(header.subarray(8, 8 + Number(header.readBigUInt64LE(0))).toString('utf8'));
    expect(meta['crf.transitions'].shape).toEqual([7, 7]);
    expect(meta['classifier.weight'].shape[0]).toBe(7);
    expect(readFileSync(join(out, 'curves.svg'), 'utf8')).toContain('<svg');
    expect(readFileSync(join(out, 'metrics.jsonl'), 'utf8')).toContain('valid_f1');
  }, 90_000);

  it('GlobalPointer on BIO JSONL: entity F1 > 0.8, recomputed from predictions', async () => {
    const out = join(tmp, 'gp');
    const r = await runCli(
      'train-ner',
      ...QUICK,
      '--head',
      'global-pointer',
      '--head-size',
      '16',
      '--epochs',
      '3',
      '--train',
      files.trainBio,
      '--valid',
      files.validBio,
      '--test',
      files.testBio,
      '--out',
      out,
    );
    expect(r.code, r.stderr).toBe(0);
    const s = readJson(join(out, 'summary.json'));
    expect(s.format).toBe('bio');
    const f1 = f1Of(predictions(out));
    expect(s.test.f1).toBeCloseTo(f1, 10);
    expect(f1).toBeGreaterThan(0.8);
    expect(f1).toBeGreaterThan(s.baselines['most-frequent-span'] + 0.5);
    expect(readJson(join(out, 'config.json'))).toMatchObject({
      architectures: ['BertForGlobalPointer'],
      id2label: { 0: 'LOC', 1: 'ORG', 2: 'PER' },
      global_pointer_head_size: 16,
    });
  }, 90_000);

  it('EfficientGlobalPointer trains and leaves no tensors behind (library call)', async () => {
    const small = jsonl('leak.jsonl', generateNerRows(16, 9));
    const opts = { train: small, valid: small, config: 'micro', epochs: 1, batchSize: 8, maxLength: 16, headSize: 8 };
    await trainNer({ ...opts, head: 'efficient-global-pointer', out: join(tmp, 'leak-warm') });
    const before = tf.memory().numTensors;
    await trainNer({ ...opts, head: 'efficient-global-pointer', out: join(tmp, 'leak-egp') });
    await trainNer({ ...opts, head: 'crf', out: join(tmp, 'leak-crf'), controls: { ema: 0.9 } });
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);

  it('bad inputs are named errors', async () => {
    const run = (train: string, ...extra: string[]) =>
      runCli('train-ner', ...QUICK, '--train', train, '--valid', files.valid, '--out', join(tmp, 'bad'), ...extra);
    const overlap = jsonl('overlap.jsonl', [
      {
        text: '张伟在北京',
        entities: [
          { start: 0, end: 2, type: 'PER' },
          { start: 1, end: 3, type: 'LOC' },
        ],
      },
    ]);
    let r = await run(overlap);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/overlap\.jsonl:1: overlapping entities/);
    r = await run(jsonl('beyond.jsonl', [{ text: '张伟', entities: [{ start: 0, end: 5, type: 'PER' }] }]));
    expect(r.stderr).toMatch(/beyond\.jsonl:1: .*ends beyond the text \(length 2\)/);
    r = await run(jsonl('bio.jsonl', [{ tokens: ['张', '伟'], tags: ['O', 'I-PER'] }]));
    expect(r.stderr).toMatch(/bio\.jsonl:1: tag 1 'I-PER' continues no PER entity/);
    r = await run(files.train, '--head', 'softmax');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--head must be one of crf, global-pointer, efficient-global-pointer, got 'softmax'/);
    r = await run(files.train, '--label-smoothing', '0.1');
    expect(r.stderr).toMatch(/--label-smoothing: NER losses/);
  });
});
