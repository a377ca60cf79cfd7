/**
 * T5 (v1.0), T5.1.1 and mT5: an encoder-decoder of pre-LayerNorm (RMS, no bias) blocks with unscaled
 * attention and a relative position bias computed in layer 0 of each stack and shared by the others.
 * Read top to bottom: the config, one encoder block, one decoder block, the two stacks, the LM head, and
 * the weight map naming the Hugging Face tensor behind every layer weight.
 */
import * as tf from '@tensorflow/tfjs';
import {
  Bert4tfjsError,
  Dense,
  Embedding,
  FeedForward,
  LayerNormalization,
  MultiHeadAttention,
  RelativePositionBias,
} from '@bert4tfjs/core';
import type { FamilyBuild } from '../family.ts';
import type { WeightMapping, WeightTransform } from '../weights.ts';
import type { T5Config } from './config.ts';

/** The layers of one T5 block, created once and applied to every graph that needs the block. */
export interface T5BlockLayers {
  selfNorm: LayerNormalization;
  selfAttn: MultiHeadAttention;
  crossNorm: LayerNormalization | null;
  crossAttn: MultiHeadAttention | null;
  ffnNorm: LayerNormalization;
  ffn: FeedForward;
}

/** The layers of one stack (encoder or decoder). */
export interface T5StackLayers {
  name: 'Encoder' | 'Decoder';
  positionBias: RelativePositionBias;
  blocks: T5BlockLayers[];
  finalNorm: LayerNormalization;
  dropoutRate: number;
}

function makeStack(c: T5Config, name: 'Encoder' | 'Decoder'): T5StackLayers {
  const isDecoder = name === 'Decoder';
  const n = isDecoder ? c.numDecoderLayers : c.numLayers;
  // Hugging Face's initialisation scales (weights are usually loaded; this matters when training from scratch).
  const std = c.initializerFactor * c.dModel ** -0.5;
  const norm = (layer: string): LayerNormalization =>
    new LayerNormalization({ name: layer, rms: true, epsilon: c.layerNormEpsilon });
  const attn = (layer: string, cross: boolean): MultiHeadAttention =>
    new MultiHeadAttention({
      name: layer,
      heads: c.numHeads,
      headSize: c.dKv,
      sources: cross ? 2 : 1,
      useBias: false,
      scaleScores: false,
      maskInput: true,
      biasInput: !cross,
      causal: isDecoder && !cross,
      initializerRange: std,
    });
  const blocks: T5BlockLayers[] = [];
  for (let i = 0; i < n; i++) {
    const p = `${name}-Transformer-${i}`;
    blocks.push({
      selfNorm: norm(`${p}-MultiHeadSelfAttention-Norm`),
      selfAttn: attn(`${p}-MultiHeadSelfAttention`, false),
      crossNorm: isDecoder ? norm(`${p}-MultiHeadCrossAttention-Norm`) : null,
      crossAttn: isDecoder ? attn(`${p}-MultiHeadCrossAttention`, true) : null,
      ffnNorm: norm(`${p}-FeedForward-Norm`),
      ffn: new FeedForward({
        name: `${p}-FeedForward`,
        units: c.dFf,
        activation: c.denseActFn,
        gated: c.isGatedAct,
        useBias: false,
        initializerRange: std,
      }),
    });
  }
  return {
    name,
    blocks,
    dropoutRate: c.dropoutRate,
    finalNorm: norm(`${name}-Output-Norm`),
    positionBias: new RelativePositionBias({
      name: `${name}-RelativePositionBias`,
      heads: c.numHeads,
      numBuckets: c.relativeAttentionNumBuckets,
      maxDistance: c.relativeAttentionMaxDistance,
      bidirectional: !isDecoder,
      initializerRange: c.initializerFactor,
    }),
  };
}

type Sym = tf.SymbolicTensor;

function dropout(x: Sym, rate: number): Sym {
  return rate > 0 ? (tf.layers.dropout({ rate }).apply(x) as Sym) : x;
}

/**
 * How a block's attention sub-layers run and how a residual is added: symbolically in the tfjs graph
 * ({@link applyT5Stack}), or eagerly with a key/value cache during generation (generate.ts). `T` is
 * the tensor kind (SymbolicTensor or Tensor).
 */
export interface T5BlockRunner<T> {
  /** Self-attention of block `i` on its normalised input. */
  selfAttention(h: T, block: T5BlockLayers, i: number): T;
  /** Cross-attention of decoder block `i` on its normalised input. */
  crossAttention(h: T, block: T5BlockLayers, i: number): T;
  /** x + h (the graph runner drops out h first). */
  residual(x: T, h: T): T;
}

/**
 * One T5 block, written once for every runner: pre-norm residual self-attention, cross-attention
 * (decoder blocks), then the feed-forward: x + Attn(norm(x)); x + Cross(norm(x)); x + FFN(norm(x)).
 */
export function runT5Block<T>(x: T, b: T5BlockLayers, i: number, r: T5BlockRunner<T>): T {
  x = r.residual(x, r.selfAttention(b.selfNorm.apply(x as tf.Tensor) as T, b, i));
  if (b.crossNorm) x = r.residual(x, r.crossAttention(b.crossNorm.apply(x as tf.Tensor) as T, b, i));
  return r.residual(x, b.ffn.apply(b.ffnNorm.apply(x as tf.Tensor)) as T);
}

/**
 * Applies a stack to embedded tokens `x` [B, L, D] with padding `mask` [B, L]; the decoder also gets the
 * encoder output and its mask. The position bias is computed once from `ids` and shared by every block.
 */
export function applyT5Stack(s: T5StackLayers, ids: Sym, x: Sym, mask: Sym, encoder?: { hidden: Sym; mask: Sym }): Sym {
  const bias = s.positionBias.apply(ids) as Sym;
  const graph: T5BlockRunner<Sym> = {
    selfAttention: (h, b) => b.selfAttn.apply([h, mask, bias]) as Sym,
    crossAttention: (h, b) => {
      if (!b.crossAttn || !encoder)
        throw new Bert4tfjsError(`${s.name} stack: cross-attention needs the encoder output`, 'internal');
      return b.crossAttn.apply([h, encoder.hidden, encoder.mask]) as Sym;
    },
    residual: (a, h) => tf.layers.add().apply([a, dropout(h, s.dropoutRate)]) as Sym,
  };
  let h = dropout(x, s.dropoutRate);
  s.blocks.forEach((b, i) => {
    h = runT5Block(h, b, i, graph);
  });
  return dropout(s.finalNorm.apply(h) as Sym, s.dropoutRate);
}

/** Weight-map entries of one stack from Hugging Face prefix `encoder` / `decoder`. */
export function t5StackWeights(s: T5StackLayers, c: T5Config): WeightMapping[] {
  const T: WeightTransform[] = [{ kind: 'transpose' }];
  const hf = s.name === 'Encoder' ? 'encoder' : 'decoder';
  const m: WeightMapping[] = [
    {
      layer: s.positionBias.name,
      weight: 'embeddings',
      source: `${hf}.block.0.layer.0.SelfAttention.relative_attention_bias.weight`,
    },
    { layer: s.finalNorm.name, weight: 'gamma', source: `${hf}.final_layer_norm.weight` },
  ];
  const attnWeights = (layer: string, src: string): WeightMapping[] =>
    (['q', 'k', 'v', 'o'] as const).map((p) => ({
      layer,
      weight: `${p}_kernel`,
      source: `${src}.${p}.weight`,
      transforms: T,
    }));
  s.blocks.forEach((b, i) => {
    const blk = `${hf}.block.${i}.layer`;
    m.push(...attnWeights(b.selfAttn.name, `${blk}.0.SelfAttention`));
    m.push({ layer: b.selfNorm.name, weight: 'gamma', source: `${blk}.0.layer_norm.weight` });
    let f = 1;
    if (b.crossAttn && b.crossNorm) {
      m.push(...attnWeights(b.crossAttn.name, `${blk}.1.EncDecAttention`));
      m.push({ layer: b.crossNorm.name, weight: 'gamma', source: `${blk}.1.layer_norm.weight` });
      f = 2;
    }
    const ffn = `${blk}.${f}.DenseReluDense`;
    m.push({ layer: b.ffnNorm.name, weight: 'gamma', source: `${blk}.${f}.layer_norm.weight` });
    if (c.isGatedAct) {
      m.push({ layer: b.ffn.name, weight: 'inner_kernel', source: `${ffn}.wi_0.weight`, transforms: T });
      m.push({ layer: b.ffn.name, weight: 'gate_kernel', source: `${ffn}.wi_1.weight`, transforms: T });
    } else {
      m.push({ layer: b.ffn.name, weight: 'inner_kernel', source: `${ffn}.wi.weight`, transforms: T });
    }
    m.push({ layer: b.ffn.name, weight: 'outer_kernel', source: `${ffn}.wo.weight`, transforms: T });
  });
  return m;
}

/** A built T5: the full model plus standalone encoder and decoder models sharing its layers. */
export interface T5Build extends FamilyBuild<T5Config> {
  /** [input_ids, attention_mask] -> encoder_last_hidden_state. */
  encoder: tf.LayersModel;
  /**
   * [decoder_input_ids, decoder_attention_mask, encoder_hidden_states, attention_mask] ->
   * [decoder_last_hidden_state, lm_logits].
   */
  decoder: tf.LayersModel;
  /** The layers, for incremental decoding (see t5-generate.ts). */
  layers: { tokenEmbedding: Embedding; encoder: T5StackLayers; decoder: T5StackLayers; lmHead: Dense | null };
}

/** Builds T5 / T5.1.1 / mT5 with its LM head. */
export function buildT5(c: T5Config): T5Build {
  const tokenEmbedding = new Embedding({
    name: 'Embedding-Token',
    inputDim: c.vocabSize,
    outputDim: c.dModel,
    initializerRange: c.initializerFactor,
  });
  const enc = makeStack(c, 'Encoder');
  const dec = makeStack(c, 'Decoder');
  const lmHead = c.tieWordEmbeddings
    ? null
    : new Dense({
        name: 'LM-Head',
        units: c.vocabSize,
        useBias: false,
        initializerRange: c.initializerFactor * c.dModel ** -0.5,
      });
  // One rescaling layer: the tied head's input is scaled so logits match Hugging Face.
  const headScale = c.tieWordEmbeddings
    ? tf.layers.rescaling({ scale: c.dModel ** -0.5, name: 'LM-Head-Scale' })
    : null;
  const lmLogits = (h: Sym): Sym =>
    lmHead ? (lmHead.apply(h) as Sym) : (tokenEmbedding.apply(headScale!.apply(h)) as Sym);

  const ids = tf.input({ shape: [null], dtype: 'int32', name: 'input_ids' });
  const mask = tf.input({ shape: [null], dtype: 'float32', name: 'attention_mask' });
  const decIds = tf.input({ shape: [null], dtype: 'int32', name: 'decoder_input_ids' });
  const decMask = tf.input({ shape: [null], dtype: 'float32', name: 'decoder_attention_mask' });
  const encOut = applyT5Stack(enc, ids, tokenEmbedding.apply(ids) as Sym, mask);
  const decOut = applyT5Stack(dec, decIds, tokenEmbedding.apply(decIds) as Sym, decMask, { hidden: encOut, mask });
  const logits = lmLogits(decOut);
  const model = tf.model({
    inputs: [ids, mask, decIds, decMask],
    outputs: [encOut, decOut, logits],
    name: c.modelType,
  });

  // The same layers again on fresh inputs: an encoder-only and a decoder-only model (shared weights).
  const encoder = tf.model({ inputs: [ids, mask], outputs: encOut, name: `${c.modelType}-encoder` });
  const encHidden = tf.input({ shape: [null, c.dModel], dtype: 'float32', name: 'encoder_hidden_states' });
  const encMask = tf.input({ shape: [null], dtype: 'float32', name: 'encoder_attention_mask' });
  const dIds = tf.input({ shape: [null], dtype: 'int32', name: 'decoder_input_ids' });
  const dMask = tf.input({ shape: [null], dtype: 'float32', name: 'decoder_attention_mask' });
  const dOut = applyT5Stack(dec, dIds, tokenEmbedding.apply(dIds) as Sym, dMask, { hidden: encHidden, mask: encMask });
  const decoder = tf.model({
    inputs: [dIds, dMask, encHidden, encMask],
    outputs: [dOut, lmLogits(dOut)],
    name: `${c.modelType}-decoder`,
  });

  const weightMap: WeightMapping[] = [
    { layer: 'Embedding-Token', weight: 'embeddings', source: 'shared.weight' },
    ...t5StackWeights(enc, c),
    ...t5StackWeights(dec, c),
  ];
  if (lmHead)
    weightMap.push({
      layer: 'LM-Head',
      weight: 'kernel',
      source: 'lm_head.weight',
      transforms: [{ kind: 'transpose' }],
    });
  return {
    model,
    config: c,
    encoder,
    decoder,
    layers: { tokenEmbedding, encoder: enc, decoder: dec, lmHead },
    inputNames: ['input_ids', 'attention_mask', 'decoder_input_ids', 'decoder_attention_mask'],
    outputNames: ['encoder_last_hidden_state', 'decoder_last_hidden_state', 'lm_logits'],
    weightMap,
    prefix: '',
  };
}
