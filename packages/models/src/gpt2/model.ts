/**
 * GPT-2 (Hugging Face `GPT2LMHeadModel` layout): token + learned position embeddings, pre-LayerNorm
 * blocks of causal self-attention and a gelu_new feed-forward, a final LayerNorm, and the LM head tied to
 * the token embedding. Read top to bottom: the layers of one block, the graph, the weight map naming the
 * Hugging Face tensor behind every layer weight (Conv1D weights are [in, out]: no transposes).
 */
import * as tf from '@tensorflow/tfjs';
import { Dense, Embedding, FeedForward, LayerNormalization, PositionEmbedding } from '@bert4tfjs/core';
import { effectiveVocabSize, vocabTransforms, type BertBuildOptions } from '../encoder/build-options.ts';
import type { FamilyBuild } from '../family.ts';
import type { WeightMapping } from '../weights.ts';
import { Gpt2Attention } from './attention.ts';
import type { Gpt2Config } from './config.ts';

/** The layers of one GPT-2 block. */
export interface Gpt2BlockLayers {
  ln1: LayerNormalization;
  attn: Gpt2Attention;
  ln2: LayerNormalization;
  mlp: FeedForward;
}

/** Every layer of a GPT-2, for running it eagerly (incremental decoding, hidden states, attentions). */
export interface Gpt2Layers {
  tokenEmbedding: Embedding;
  positionEmbedding: PositionEmbedding;
  blocks: Gpt2BlockLayers[];
  finalNorm: LayerNormalization;
  /** The untied LM head, or null when the head is the token embedding. */
  lmHead: Dense | null;
}

/** A built GPT-2: the LayersModel ([input_ids, attention_mask] -> [last_hidden_state, lm_logits]) and its layers. */
export interface Gpt2Build extends FamilyBuild<Gpt2Config> {
  layers: Gpt2Layers;
}

function makeBlock(c: Gpt2Config, i: number): Gpt2BlockLayers {
  const p = `Transformer-${i}`;
  const norm = (name: string) => new LayerNormalization({ name, epsilon: c.layerNormEpsilon });
  const headDim = c.nEmbd / c.nHead;
  const scale = (c.scaleAttnWeights ? 1 / Math.sqrt(headDim) : 1) / (c.scaleAttnByInverseLayerIdx ? i + 1 : 1);
  return {
    ln1: norm(`${p}-MultiHeadSelfAttention-Norm`),
    attn: new Gpt2Attention({
      name: `${p}-MultiHeadSelfAttention`,
      heads: c.nHead,
      scale,
      dropout: c.attnPdrop,
      initializerRange: c.initializerRange,
    }),
    ln2: norm(`${p}-FeedForward-Norm`),
    mlp: new FeedForward({
      name: `${p}-FeedForward`,
      units: c.nInner,
      activation: c.activationFunction,
      initializerRange: c.initializerRange,
    }),
  };
}

/** Weight-map entries of block `i` from Hugging Face prefix `transformer.h.i`. */
function blockWeights(b: Gpt2BlockLayers, i: number): WeightMapping[] {
  const hf = `transformer.h.${i}`;
  return [
    { layer: b.ln1.name, weight: 'gamma', source: `${hf}.ln_1.weight` },
    { layer: b.ln1.name, weight: 'beta', source: `${hf}.ln_1.bias` },
    { layer: b.attn.name, weight: 'c_attn_kernel', source: `${hf}.attn.c_attn.weight` },
    { layer: b.attn.name, weight: 'c_attn_bias', source: `${hf}.attn.c_attn.bias` },
    { layer: b.attn.name, weight: 'c_proj_kernel', source: `${hf}.attn.c_proj.weight` },
    { layer: b.attn.name, weight: 'c_proj_bias', source: `${hf}.attn.c_proj.bias` },
    { layer: b.ln2.name, weight: 'gamma', source: `${hf}.ln_2.weight` },
    { layer: b.ln2.name, weight: 'beta', source: `${hf}.ln_2.bias` },
    { layer: b.mlp.name, weight: 'inner_kernel', source: `${hf}.mlp.c_fc.weight` },
    { layer: b.mlp.name, weight: 'inner_bias', source: `${hf}.mlp.c_fc.bias` },
    { layer: b.mlp.name, weight: 'outer_kernel', source: `${hf}.mlp.c_proj.weight` },
    { layer: b.mlp.name, weight: 'outer_bias', source: `${hf}.mlp.c_proj.bias` },
  ];
}

type Sym = tf.SymbolicTensor;

function dropout(x: Sym, rate: number): Sym {
  return rate > 0 ? (tf.layers.dropout({ rate }).apply(x) as Sym) : x;
}

/** Builds GPT-2 with its LM head. */
export function buildGpt2(c: Gpt2Config, opts: BertBuildOptions = {}): Gpt2Build {
  const vocab = effectiveVocabSize(c.vocabSize, opts);
  const tokenEmbedding = new Embedding({
    name: 'Embedding-Token',
    inputDim: vocab,
    outputDim: c.nEmbd,
    initializerRange: c.initializerRange,
  });
  const positionEmbedding = new PositionEmbedding({
    name: 'Embedding-Position',
    maxPositions: c.nPositions,
    outputDim: c.nEmbd,
    initializerRange: c.initializerRange,
  });
  const blocks = Array.from({ length: c.nLayer }, (_, i) => makeBlock(c, i));
  const finalNorm = new LayerNormalization({ name: 'Output-Norm', epsilon: c.layerNormEpsilon });
  const lmHead = c.tieWordEmbeddings
    ? null
    : new Dense({ name: 'LM-Head', units: vocab, useBias: false, initializerRange: c.initializerRange });

  const ids = tf.input({ shape: [null], dtype: 'int32', name: 'input_ids' });
  const mask = tf.input({ shape: [null], dtype: 'float32', name: 'attention_mask' });
  let h = positionEmbedding.apply(tokenEmbedding.apply(ids)) as Sym;
  h = dropout(h, c.embdPdrop);
  for (const b of blocks) {
    const a = b.attn.apply([b.ln1.apply(h) as Sym, mask]) as Sym;
    h = tf.layers.add().apply([h, dropout(a, c.residPdrop)]) as Sym;
    const m = b.mlp.apply(b.ln2.apply(h)) as Sym;
    h = tf.layers.add().apply([h, dropout(m, c.residPdrop)]) as Sym;
  }
  const last = finalNorm.apply(h) as Sym;
  const logits = (lmHead ? lmHead.apply(last) : tokenEmbedding.apply(last)) as Sym;
  const model = tf.model({ inputs: [ids, mask], outputs: [last, logits], name: 'gpt2' });

  const weightMap: WeightMapping[] = [
    {
      layer: 'Embedding-Token',
      weight: 'embeddings',
      source: 'transformer.wte.weight',
      transforms: vocabTransforms(opts),
    },
    { layer: 'Embedding-Position', weight: 'embeddings', source: 'transformer.wpe.weight' },
    ...blocks.flatMap(blockWeights),
    { layer: 'Output-Norm', weight: 'gamma', source: 'transformer.ln_f.weight' },
    { layer: 'Output-Norm', weight: 'beta', source: 'transformer.ln_f.bias' },
  ];
  if (lmHead) {
    weightMap.push({
      layer: 'LM-Head',
      weight: 'kernel',
      source: 'lm_head.weight',
      transforms: [...vocabTransforms(opts), { kind: 'transpose' }],
    });
  }
  return {
    model,
    config: c,
    layers: { tokenEmbedding, positionEmbedding, blocks, finalNorm, lmHead },
    inputNames: ['input_ids', 'attention_mask'],
    outputNames: ['last_hidden_state', 'lm_logits'],
    weightMap,
    prefix: 'transformer.',
  };
}
