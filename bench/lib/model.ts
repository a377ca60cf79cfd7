/**
 * The benchmark model: BERT-base-shaped (12 x 768, 12 heads, FFN 3072, vocab 21128) with random weights
 * made at bench time and written as a Hugging Face model directory, so loading, forward and export all
 * start from the same files and nothing is downloaded. `--quick` uses a tiny model of the same family.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededUniform } from '@bert4tfjs/core';
import { buildTransformerModel, saveModelDir, type RawConfig } from '@bert4tfjs/models';

/** The shape knobs of a BERT config. */
export interface BertShape {
  layers: number;
  hidden: number;
  heads: number;
  intermediate: number;
  vocab: number;
}

/** BERT-base, Chinese vocabulary size (bert-base-chinese). */
export const BERT_BASE: BertShape = { layers: 12, hidden: 768, heads: 12, intermediate: 3072, vocab: 21128 };

/** A tiny model for smoke runs: same code paths, seconds instead of minutes. */
export const BERT_TINY: BertShape = { layers: 2, hidden: 64, heads: 2, intermediate: 128, vocab: 21128 };

/** A Hugging Face config.json object for `shape`. */
export function bertConfig(shape: BertShape): RawConfig {
  return {
    model_type: 'bert',
    vocab_size: shape.vocab,
    hidden_size: shape.hidden,
    num_hidden_layers: shape.layers,
    num_attention_heads: shape.heads,
    intermediate_size: shape.intermediate,
    hidden_act: 'gelu',
    hidden_dropout_prob: 0.1,
    attention_probs_dropout_prob: 0.1,
    max_position_embeddings: 512,
    type_vocab_size: 2,
    initializer_range: 0.02,
    layer_norm_eps: 1e-12,
    pad_token_id: 0,
  };
}

/**
 * Multiply-add FLOP (2 per MAC) of one encoder forward at `batch` x `seq`: the four attention
 * projections, the two FFN matmuls and the two attention products per layer (178.8 GFLOP for BERT-base at
 * 8 x 128). Embeddings, norms and softmax are not counted.
 */
export function forwardFlop(shape: BertShape, batch: number, seq: number): number {
  const t = batch * seq;
  const perLayer =
    8 * t * shape.hidden * shape.hidden +
    4 * t * shape.hidden * shape.intermediate +
    4 * batch * seq * seq * shape.hidden;
  return perLayer * shape.layers;
}

/** A model directory made by {@link makeRandomModelDir}. */
export interface RandomModelDir {
  dir: string;
  /** Size of model.safetensors in bytes. */
  weightBytes: number;
  /** Seconds to build the random model and write the directory. */
  createSeconds: number;
  /** Deletes the directory. */
  remove(): void;
}

/**
 * Builds a random-weight encoder (with pooler) of `shape` and saves it, with `vocabFile`, as a model
 * directory in a fresh temp dir. The tfjs model is disposed before returning.
 */
export async function makeRandomModelDir(shape: BertShape, vocabFile: string): Promise<RandomModelDir> {
  const root = mkdtempSync(join(tmpdir(), 'b4t-bench-model-'));
  const dir = join(root, 'model');
  const t0 = performance.now();
  const built = buildTransformerModel({ config: bertConfig(shape), withPool: true });
  try {
    await saveModelDir(built, dir, { vocabFiles: [vocabFile] });
  } finally {
    built.model.dispose();
  }
  return {
    dir,
    weightBytes: statSync(join(dir, 'model.safetensors')).size,
    createSeconds: (performance.now() - t0) / 1000,
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** Deterministic pseudo-random token ids in [lo, hi), `rows` x `cols`: the speed does not depend on the values. */
export function randomIds(rows: number, cols: number, lo: number, hi: number, seed = 7): number[][] {
  const next = seededUniform(seed);
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => lo + Math.floor(next() * (hi - lo))));
}
