// A few training steps on a tiny T5.1.1-layout model (random init) reduce the seq2seq loss, and the
// loss itself is the masked token cross-entropy re-derived here from the model's logits.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildTransformerModel, runModel, type TransformerModel } from '../src/index.ts';
import { shiftRight, t5Seq2SeqLoss } from '../src/t5/train.ts';

const CONFIG = {
  model_type: 'mt5',
  vocab_size: 12,
  d_model: 16,
  d_kv: 4,
  d_ff: 32,
  num_layers: 1,
  num_decoder_layers: 1,
  num_heads: 2,
  relative_attention_num_buckets: 8,
  relative_attention_max_distance: 16,
  dropout_rate: 0,
  feed_forward_proj: 'gated-gelu',
  tie_word_embeddings: false,
  pad_token_id: 0,
  eos_token_id: 1,
  decoder_start_token_id: 0,
};

// Copy task: target = source + eos; pad 0.
const BATCH = {
  input_ids: [
    [3, 4, 5, 1],
    [6, 7, 1, 0],
    [8, 9, 10, 1],
  ],
  attention_mask: [
    [1, 1, 1, 1],
    [1, 1, 1, 0],
    [1, 1, 1, 1],
  ],
  labels: [
    [3, 4, 5, 1],
    [6, 7, 1, 0],
    [8, 9, 10, 1],
  ],
};

describe('t5Seq2SeqLoss', () => {
  let built: TransformerModel;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    built = buildTransformerModel({ config: CONFIG });
  });

  it('shiftRight puts the start id first and drops the last label', () => {
    expect(shiftRight([[5, 6, 1]], 0)).toEqual([[0, 5, 6]]);
  });

  it('equals the masked mean cross-entropy of lm_logits (derived here)', () => {
    const loss = t5Seq2SeqLoss(built, BATCH, { training: false });
    const out = runModel(built, {
      input_ids: BATCH.input_ids,
      attention_mask: BATCH.attention_mask,
      decoder_input_ids: shiftRight(BATCH.labels, 0),
    });
    const logp = tf.logSoftmax(out.lm_logits).arraySync() as number[][][];
    let sum = 0;
    let count = 0;
    BATCH.labels.forEach((row, b) =>
      row.forEach((y, t) => {
        if (y === 0) return;
        sum -= logp[b][t][y];
        count++;
      }),
    );
    expect(count).toBe(11);
    expect(Math.abs(loss.dataSync()[0] - sum / count)).toBeLessThan(1e-5);
    loss.dispose();
    Object.values(out).forEach((t) => t.dispose());
  });

  it('a few Adam steps reduce the loss, without leaking tensors', () => {
    const optimizer = tf.train.adam(1e-2);
    const before = tf.memory().numTensors;
    const losses: number[] = [];
    for (let i = 0; i < 15; i++) {
      const loss = optimizer.minimize(() => t5Seq2SeqLoss(built, BATCH), true)!;
      losses.push(loss.dataSync()[0]);
      loss.dispose();
    }
    console.log(`t5 train: loss ${losses[0].toFixed(3)} -> ${losses[losses.length - 1].toFixed(3)}`);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] * 0.7);
    // Adam's slots are created once (2 per variable + iteration counters), then reused.
    const afterWarm = tf.memory().numTensors;
    const extra = optimizer.minimize(() => t5Seq2SeqLoss(built, BATCH), true)!;
    extra.dispose();
    expect(tf.memory().numTensors).toBe(afterWarm);
    expect(afterWarm).toBeGreaterThan(before);
    optimizer.dispose();
  });

  it('rejects a model that is not T5 and mis-shaped batches', () => {
    expect(() => t5Seq2SeqLoss({ config: {} } as unknown as TransformerModel, BATCH)).toThrow(/t5 \/ t5.1.1 \/ mt5/);
    expect(() => t5Seq2SeqLoss(built, { ...BATCH, labels: [[1]] })).toThrow(/'labels' must be 3 non-empty rows/);
  });
});
