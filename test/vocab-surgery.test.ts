// Vocabulary surgery end to end: a simplified WordPiece vocabulary (tokenizers) drives keepTokens /
// compoundTokens when building BERT (models). Every expected value is read from the source checkpoint or
// the full model, never from the sliced model itself. No tfjs import: the repo root does not depend on
// @tensorflow/tfjs, so tensors are read back as arrays (tfjs picks its cpu backend in Node by default).
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { rawToFloat32, readSafetensors } from '@bert4tfjs/core';
import { buildTransformerModel, findWeight, runModel, type TransformerModel } from '@bert4tfjs/models';
import { loadVocab } from '@bert4tfjs/tokenizers';
import { fixturePath, sharedAvailable, sharedPath } from './helpers/paths.ts';
import { maxAbsDiff } from './helpers/compare.ts';

const SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
const configPath = fixturePath('bert', 'config.json');
const checkpoint = fixturePath('bert', 'model.safetensors');
const vocabPath = fixturePath('tokenizers', 'bert_wordpiece', 'vocab.txt');
const inputs = JSON.parse(readFileSync(fixturePath('bert', 'inputs.json'), 'utf8'));
const feed = {
  input_ids: inputs.input_ids,
  attention_mask: inputs.attention_mask,
  token_type_ids: inputs.token_type_ids,
};
const H = JSON.parse(readFileSync(configPath, 'utf8')).hidden_size as number;

/** BERT's own test of "can the basic tokenizer emit this token": one character, or no CJK/punctuation in it. */
function emittable(token: string): boolean {
  if ([...token].length <= 1) return true;
  const stem = token.startsWith('##') ? token.slice(2) : token;
  const cjk =
    /[\u4E00-\u9FFF\u3400-\u4DBF\u{20000}-\u{2A6DF}\u{2A700}-\u{2B73F}\u{2B740}-\u{2B81F}\u{2B820}-\u{2CEAF}\uF900-\uFAFF\u{2F800}-\u{2FA1F}]/u;
  const punct = /[!-/:-@[-`{-~]|\p{P}/u;
  return ![...stem].some((ch) => cjk.test(ch) || punct.test(ch));
}

describe('keepTokens from a simplified vocabulary (fixtures/bert)', () => {
  const source = readSafetensors(checkpoint);
  const srcTable = rawToFloat32(source.get('bert.embeddings.word_embeddings.weight')!);
  const srcBias = rawToFloat32(source.get('cls.predictions.bias')!);
  const full = loadVocab(vocabPath);
  const simple = loadVocab(vocabPath, { simplified: true, startsWith: SPECIALS });
  const keep = simple.keepTokens!;
  let fullModel: TransformerModel;
  let sliced: TransformerModel;

  beforeAll(() => {
    fullModel = buildTransformerModel({ configPath, checkpointPath: checkpoint, withMlm: true });
    sliced = buildTransformerModel({ configPath, checkpointPath: checkpoint, withMlm: true, keepTokens: keep });
  });

  it('the simplified vocabulary starts with the specials and drops only tokens the tokenizer cannot emit', () => {
    expect(simple.vocab.slice(0, SPECIALS.length)).toEqual(SPECIALS);
    const wantKept = full.vocab.filter((t) => SPECIALS.includes(t) || emittable(t));
    expect(keep.length).toBe(wantKept.length);
    expect(keep.length).toBeLessThan(full.vocab.length);
    expect(keep.map((id) => full.vocab[id]).sort()).toEqual([...wantKept].sort());
    console.log(`fixture vocab: ${full.vocab.length} -> ${keep.length} tokens after simplification`);
  });

  it('embedding rows and MLM bias equal the source rows exactly', () => {
    const table = findWeight(sliced.model, 'Embedding-Token', 'embeddings').read().dataSync();
    const bias = findWeight(sliced.model, 'MLM-Bias', 'bias').read().dataSync();
    expect(table.length).toBe(keep.length * H);
    expect(bias.length).toBe(keep.length);
    keep.forEach((old, i) => {
      expect(Array.from(table.subarray(i * H, (i + 1) * H))).toEqual(
        Array.from(srcTable.subarray(old * H, (old + 1) * H)),
      );
      expect(bias[i]).toBe(srcBias[old]);
    });
  });

  it('MLM logits of the sliced model equal the full model at the kept columns (fixture inputs, remapped ids)', () => {
    const remapped = inputs.input_ids.map((row: number[]) =>
      row.map((old) => {
        const id = simple.tokenToId.get(full.vocab[old]);
        expect(id, `token ${full.vocab[old]} kept`).toBeDefined();
        expect(keep[id!]).toBe(old);
        return id!;
      }),
    );
    const small = runModel(sliced, { ...feed, input_ids: remapped });
    const big = runModel(fullModel, feed);
    const [B, L, V] = big.mlm_logits.shape;
    expect(small.mlm_logits.shape).toEqual([B, L, keep.length]);
    // The full model's logits at the kept columns, in new-id order.
    const fullLogits = big.mlm_logits.dataSync();
    const cols = new Float32Array(B * L * keep.length);
    for (let p = 0; p < B * L; p++)
      keep.forEach((old, i) => {
        cols[p * keep.length + i] = fullLogits[p * V + old];
      });
    const diff = maxAbsDiff(small.mlm_logits.dataSync(), cols);
    console.log(`sliced vs full MLM logits max |diff|: ${diff}`);
    expect(diff).toBeLessThan(1e-5);
    [...Object.values(small), ...Object.values(big)].forEach((t) => t.dispose());
  });

  it('compoundTokens append the (weighted) mean of their source rows, in embeddings and MLM bias', () => {
    const groups = [[30, 31], { ids: [40, 41, 42], weights: [1, 2, 5] }];
    const built = buildTransformerModel({
      configPath,
      checkpointPath: checkpoint,
      withMlm: true,
      compoundTokens: groups,
    });
    const V = full.vocab.length;
    const table = findWeight(built.model, 'Embedding-Token', 'embeddings').read().dataSync();
    const bias = findWeight(built.model, 'MLM-Bias', 'bias').read().dataSync();
    expect(table.length).toBe((V + 2) * H);
    // The original rows are untouched.
    expect(Array.from(table.subarray(0, V * H))).toEqual(Array.from(srcTable));
    const mean = (ids: number[], w: number[], at: (id: number) => number) =>
      ids.reduce((s, id, k) => s + w[k] * at(id), 0) / w.reduce((a, b) => a + b, 0);
    const spec: Array<[number[], number[]]> = [
      [
        [30, 31],
        [1, 1],
      ],
      [
        [40, 41, 42],
        [1, 2, 5],
      ],
    ];
    let worst = 0;
    spec.forEach(([ids, w], g) => {
      for (let d = 0; d < H; d++)
        worst = Math.max(worst, Math.abs(table[(V + g) * H + d] - mean(ids, w, (id) => srcTable[id * H + d])));
      worst = Math.max(worst, Math.abs(bias[V + g] - mean(ids, w, (id) => srcBias[id])));
    });
    expect(worst).toBeLessThan(1e-6);
    built.model.dispose();
  });

  it('keepTokens with compoundTokens: compound ids index the kept vocabulary', () => {
    const built = buildTransformerModel({
      configPath,
      checkpointPath: checkpoint,
      withMlm: true,
      keepTokens: keep,
      compoundTokens: [[5, 6]],
    });
    const table = findWeight(built.model, 'Embedding-Token', 'embeddings').read().dataSync();
    const n = keep.length;
    expect(table.length).toBe((n + 1) * H);
    for (let d = 0; d < H; d++) {
      expect(Math.abs(table[n * H + d] - (srcTable[keep[5] * H + d] + srcTable[keep[6] * H + d]) / 2)).toBeLessThan(
        1e-6,
      );
    }
    built.model.dispose();
  });
});

describe.skipIf(!sharedAvailable('vocab'))(
  'simplified size of a real vocabulary (../shared/vocab/bert-chinese)',
  () => {
    it('drops the multi-character CJK/punctuation tokens and keeps the rest', () => {
      const path = sharedPath('vocab', 'bert-chinese', 'vocab.txt');
      const full = loadVocab(path);
      const simple = loadVocab(path, { simplified: true, startsWith: SPECIALS });
      const wantKept = full.vocab.filter((t) => SPECIALS.includes(t) || emittable(t)).length;
      console.log(
        `bert-chinese vocab: ${full.vocab.length} -> ${simple.keepTokens!.length} tokens after simplification`,
      );
      expect(full.vocab.length).toBe(21128);
      expect(simple.keepTokens!.length).toBe(wantKept);
      expect(simple.vocab.slice(0, 5)).toEqual(SPECIALS);
      expect(simple.keepTokens!.slice(0, 5)).toEqual([0, 100, 101, 102, 103]);
      // Single CJK characters stay; their ## continuation forms cannot be emitted and go.
      expect(simple.tokenToId.has('中')).toBe(true);
      expect(full.tokenToId.has('##中')).toBe(true);
      expect(simple.tokenToId.has('##中')).toBe(false);
    });
  },
);
