// bert4keras's application='unilm' / 'lm' on BERT-family encoders: the visibility matrices against
// hand-worked ones; the attention probabilities of a built model are zero exactly where the mask says
// (and on padded keys), and rows sum to 1; a loaded BERT built as 'lm' gives the same output at position
// t whatever the later tokens are (while the plain encoder does not), and as 'unilm' the source positions
// ignore the target and each target position ignores the targets after it.
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { seq2seqVisibility } from '@bert4tfjs/core';
import { buildTransformerModel, runInspection, runModel, type TransformerModel } from '../src/index.ts';
import { fixturePath } from '../../../test/helpers/paths.ts';
import { maxAbsDiff } from '../../../test/helpers/compare.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('visibility matrices (worked by hand)', () => {
  it('unilm: source (type 0) sees the source; target token i sees the source and targets <= i', () => {
    const v = seq2seqVisibility('unilm', tf.tensor2d([[0, 0, 0, 1, 1]], undefined, 'int32'));
    expect(v.arraySync()).toEqual([
      [
        [1, 1, 1, 0, 0],
        [1, 1, 1, 0, 0],
        [1, 1, 1, 0, 0],
        [1, 1, 1, 1, 0],
        [1, 1, 1, 1, 1],
      ],
    ]);
    v.dispose();
  });

  it('unilm with a one-token source and a batch of two', () => {
    const v = seq2seqVisibility(
      'unilm',
      tf.tensor2d(
        [
          [0, 1, 1],
          [0, 0, 1],
        ],
        undefined,
        'int32',
      ),
    );
    expect(v.arraySync()).toEqual([
      [
        [1, 0, 0],
        [1, 1, 0],
        [1, 1, 1],
      ],
      [
        [1, 1, 0],
        [1, 1, 0],
        [1, 1, 1],
      ],
    ]);
    v.dispose();
  });

  it('lm: lower triangular, whatever the token types', () => {
    const v = seq2seqVisibility('lm', tf.tensor2d([[0, 1, 0, 1]], undefined, 'int32'));
    expect(v.arraySync()).toEqual([
      [
        [1, 0, 0, 0],
        [1, 1, 0, 0],
        [1, 1, 1, 0],
        [1, 1, 1, 1],
      ],
    ]);
    v.dispose();
  });
});

describe('attention probabilities of built models follow the masks', () => {
  for (const application of ['unilm', 'lm'] as const) {
    it(`${application}: zero exactly off the mask and on padded keys, rows sum to 1`, () => {
      const built = buildTransformerModel({ configPath: fixturePath('electra', 'config.json'), application });
      const types = [
        [0, 0, 0, 1, 1, 1],
        [0, 0, 1, 1, 0, 0],
      ];
      const mask = [
        [1, 1, 1, 1, 1, 1],
        [1, 1, 1, 1, 0, 0],
      ];
      const out = runInspection(built, {
        input_ids: [
          [5, 7, 6, 9, 11, 6],
          [5, 8, 6, 6, 0, 0],
        ],
        token_type_ids: types,
        attention_mask: mask,
      });
      for (const name of ['attentions.0', 'attentions.1']) {
        const p = out[name].arraySync() as number[][][][];
        for (let b = 0; b < 2; b++) {
          const s: number[] = [];
          for (const t of types[b]) s.push((s.length ? s[s.length - 1] : 0) + t);
          for (let h = 0; h < p[b].length; h++) {
            for (let i = 0; i < 6; i++) {
              let sum = 0;
              for (let j = 0; j < 6; j++) {
                const visible = (application === 'lm' ? j <= i : s[j] <= s[i]) && mask[b][j] === 1;
                if (visible) expect(p[b][h][i][j], `${name}[${b},${h},${i},${j}]`).toBeGreaterThan(1e-6);
                else expect(p[b][h][i][j], `${name}[${b},${h},${i},${j}]`).toBe(0);
                sum += p[b][h][i][j];
              }
              expect(Math.abs(sum - 1)).toBeLessThan(1e-5);
            }
          }
        }
      }
      tf.dispose(Object.values(out));
      built.model.dispose();
    });
  }
});

describe('loaded BERT as a language model / seq2seq model', () => {
  const inputs = JSON.parse(readFileSync(fixturePath('bert', 'inputs.json'), 'utf8'));
  const ids: number[] = inputs.input_ids[0];
  const L = ids.length;
  const build = (application?: 'lm' | 'unilm'): TransformerModel =>
    buildTransformerModel({
      configPath: fixturePath('bert', 'config.json'),
      checkpointPath: fixturePath('bert', 'model.safetensors'),
      withMlm: true,
      application,
    });
  const hidden = (built: TransformerModel, row: number[], types?: number[]): number[][] => {
    const out = runModel(built, { input_ids: [row], ...(types ? { token_type_ids: [types] } : {}) });
    const h = (out.last_hidden_state.arraySync() as number[][][])[0];
    tf.dispose(Object.values(out));
    return h;
  };
  const changedAfter = (t: number): number[] => ids.map((v, i) => (i > t ? ((v + 37) % 300) + 5 : v));

  it("'lm': the output at position t does not change when later tokens change; the plain encoder's does", () => {
    const lm = build('lm');
    const plain = build();
    const base = hidden(lm, ids);
    const basePlain = hidden(plain, ids);
    for (const t of [0, 4, 9, L - 2]) {
      const h = hidden(lm, changedAfter(t));
      for (let i = 0; i <= t; i++)
        expect(maxAbsDiff(h[i], base[i]), `lm position ${i}, change after ${t}`).toBeLessThan(1e-5);
      expect(maxAbsDiff(h[t + 1], base[t + 1])).toBeGreaterThan(1e-3);
      const p = hidden(plain, changedAfter(t));
      expect(maxAbsDiff(p[t], basePlain[t]), 'the plain encoder looks ahead').toBeGreaterThan(1e-3);
    }
    lm.model.dispose();
    plain.model.dispose();
  });

  it("'unilm': source positions ignore the target, target position t ignores later targets", () => {
    const unilm = build('unilm');
    const src = 8;
    const types = ids.map((_, i) => (i < src ? 0 : 1));
    const base = hidden(unilm, ids, types);
    // Change every target token: the source rows stay.
    const h1 = hidden(unilm, changedAfter(src - 1), types);
    for (let i = 0; i < src; i++) expect(maxAbsDiff(h1[i], base[i]), `source ${i}`).toBeLessThan(1e-5);
    // Change targets after t: rows <= t stay, and changing the source moves the target rows.
    const t = src + 3;
    const h2 = hidden(unilm, changedAfter(t), types);
    for (let i = 0; i <= t; i++) expect(maxAbsDiff(h2[i], base[i]), `position ${i}`).toBeLessThan(1e-5);
    const srcChanged = ids.map((v, i) => (i === 2 ? ((v + 11) % 300) + 5 : v));
    const h3 = hidden(unilm, srcChanged, types);
    expect(maxAbsDiff(h3[src + 1], base[src + 1]), 'targets see the source').toBeGreaterThan(1e-3);
    unilm.model.dispose();
  });

  it('an unknown application is an error listing the valid ones', () => {
    expect(() => build('seq2seq' as 'lm')).toThrow(/application: expected one of encoder, unilm, lm, got "seq2seq"/);
  });
});
