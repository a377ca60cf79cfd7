/**
 * A small BERT bi-encoder trained from scratch with CoSENT, written against the public entry points and
 * shared by the sentence-embedding examples: one BERT encodes both sentences of a pair, mean pooling over
 * real tokens gives the sentence vectors, and CoSENT asks every pair with a higher gold score to get a
 * higher cosine than any lower-scored pair of the batch.
 */
import * as tf from '@tensorflow/tfjs';
import { adam, cosentLoss, DataGenerator, l2Normalize, maskedMean, Trainer, warmupLinearDecay } from '@bert4tfjs/core';
import { buildTransformerModel, type TransformerModel } from '@bert4tfjs/models';
import { Tokenizer } from '@bert4tfjs/tokenizers';
import { buildVocab, Embedder, type MatchingPair } from 'bert4tfjs';
import { collatePairs, tokenisePairs } from './pair-batch.ts';

/** Sizes and schedule of {@link cosentBiEncoder}. */
export interface BiEncoderOptions {
  epochs: number;
  /** Longest tokenised sentence; default 64. */
  maxLength?: number;
  /** Seed of the data order; default 1. */
  seed?: number;
}

/** The model, its character vocabulary and tokenizer, the Embedder that evaluates it, and its training run. */
export interface BiEncoder {
  bert: TransformerModel;
  vocab: string[];
  tokenizer: Tokenizer;
  /** Normalised mean-pooled vectors, as `bert4tfjs embed` computes them. */
  embedder: Embedder;
  /** Runs the configured epochs of CoSENT training. */
  trainEpochs(): Promise<void>;
  /** Frees the optimizer's state. */
  dispose(): void;
}

/** Builds a 2-layer, 128-wide BERT over the training pairs' characters, ready to train with CoSENT. */
export function cosentBiEncoder(train: MatchingPair[], options: BiEncoderOptions): BiEncoder {
  const maxLength = options.maxLength ?? 64;
  const vocab = buildVocab(train.flatMap((p) => [p.a, p.b]));
  const tokenizer = new Tokenizer(vocab);
  const bert = buildTransformerModel({
    model: 'bert',
    config: {
      vocab_size: vocab.length,
      hidden_size: 128,
      num_hidden_layers: 2,
      num_attention_heads: 2,
      intermediate_size: 512,
    },
  });

  const data = new DataGenerator(tokenisePairs(tokenizer, train, maxLength), {
    batchSize: 32,
    seed: options.seed ?? 1,
    collate: collatePairs,
  });

  // The loss runs the shared encoder twice; its variables are the model's trainable weights.
  const encode = (batch: Record<string, tf.Tensor>, k: string, training: boolean): tf.Tensor => {
    const out = bert.model.apply([batch[`${k}input_ids`], batch[`${k}token_type_ids`], batch[`${k}attention_mask`]], {
      training,
    }) as tf.Tensor;
    return l2Normalize(maskedMean(out, batch[`${k}attention_mask`]));
  };
  const steps = options.epochs * data.stepsPerEpoch;
  const optimizer = adam({
    learningRate: 5e-4,
    schedule: warmupLinearDecay({ warmupSteps: Math.round(steps / 10), totalSteps: steps }),
  });
  const trainer = new Trainer({
    variables: bert.model.trainableWeights.map((w) => w.read() as tf.Variable),
    optimizer,
    progress: true,
    lossFn: (batch, training) =>
      cosentLoss(batch.labels, tf.sum(tf.mul(encode(batch, 'a_', training), encode(batch, 'b_', training)), -1)),
    microBatch: 'off',
    memoryBudget: Infinity, // CoSENT ranks pairs across the whole batch: never split it
  });
  const embedder = new Embedder(bert, tokenizer, { pooling: 'mean', normalize: true, maxLength });
  return {
    bert,
    vocab,
    tokenizer,
    embedder,
    trainEpochs: async () => {
      await trainer.fit(data, { epochs: options.epochs });
    },
    dispose: () => optimizer.dispose(),
  };
}
