/**
 * A stack of BERT's post-LayerNorm blocks that also hands back what Hugging Face returns with
 * `output_hidden_states` / `output_attentions`: the input of every block and the last output
 * (`hidden_states.0..N`) and each block's attention probabilities (`attentions.i`). Those are extra
 * symbolic tensors of the same graph; the family's training model leaves them out, so they cost nothing
 * until an inspection model asks for them.
 */
import type * as tf from '@tensorflow/tfjs';
import { AttentionProbabilities, FeedForward, MultiHeadAttention, type AttentionOption } from '@bert4tfjs/core';
import type { BertConfig } from '../bert/config.ts';
import { bertBlockWeights } from '../bert/model.ts';
import type { WeightMapping } from '../weights.ts';
import { makeLayerNorm, type NormCondition } from './layer-norm.ts';
import { postNormBlock } from './post-norm-block.ts';

/** What {@link postNormEncoderStack} builds. */
export interface EncoderStack {
  /** The last block's output. */
  output: tf.SymbolicTensor;
  /** `hidden_states.0` (the encoder input) … `hidden_states.N` (= output). */
  hiddenStates: tf.SymbolicTensor[];
  /** `attentions.i`: block i's attention probabilities [B, heads, L, L]. */
  attentions: tf.SymbolicTensor[];
  /** Weight-map entries of every block. */
  weights: WeightMapping[];
}

/** Options of {@link postNormEncoderStack}. */
export interface EncoderStackOptions {
  /** Hugging Face prefix of block i, e.g. `electra.encoder.layer.${i}`. */
  hfLayer: (i: number) => string;
  attention?: AttentionOption;
  condition?: NormCondition | null;
  /** Additive attention bias (UniLM / LM masks). */
  attentionBias?: tf.SymbolicTensor | null;
}

/** Builds `c.numHiddenLayers` BERT blocks (layers `Transformer-i-*`, as BERT names them) on `x`. */
export function postNormEncoderStack(
  x: tf.SymbolicTensor,
  mask: tf.SymbolicTensor,
  c: BertConfig,
  options: EncoderStackOptions,
): EncoderStack {
  const hiddenStates = [x];
  const attentions: tf.SymbolicTensor[] = [];
  const weights: WeightMapping[] = [];
  const bias = options.attentionBias ?? null;
  for (let i = 0; i < c.numHiddenLayers; i++) {
    const name = `Transformer-${i}`;
    const layers = {
      attn: new MultiHeadAttention({
        name: `${name}-MultiHeadSelfAttention`,
        heads: c.numAttentionHeads,
        headSize: c.hiddenSize / c.numAttentionHeads,
        maskInput: true,
        biasInput: !!bias,
        dropout: c.attentionProbsDropoutProb,
        initializerRange: c.initializerRange,
        attention: options.attention,
      }),
      attnNorm: makeLayerNorm(`${name}-MultiHeadSelfAttention-Norm`, c.layerNormEps, options.condition),
      ffn: new FeedForward({
        name: `${name}-FeedForward`,
        units: c.intermediateSize,
        activation: c.hiddenAct,
        initializerRange: c.initializerRange,
      }),
      ffnNorm: makeLayerNorm(`${name}-FeedForward-Norm`, c.layerNormEps, options.condition),
    };
    const before = x;
    x = postNormBlock(x, mask, name, c, options.attention, layers, options.condition, bias);
    const probs = new AttentionProbabilities({ name: `${name}-Attention-Probabilities`, attention: layers.attn });
    attentions.push(probs.apply(bias ? [before, mask, bias] : [before, mask]) as tf.SymbolicTensor);
    hiddenStates.push(x);
    weights.push(...bertBlockWeights(name, options.hfLayer(i)));
  }
  return { output: x, hiddenStates, attentions, weights };
}

/** Output names and tensors of the hidden states and attentions of `stack`, Hugging Face style. */
export function inspectionOutputs(stack: EncoderStack): { names: string[]; outputs: tf.SymbolicTensor[] } {
  return {
    names: [
      ...stack.hiddenStates.map((_, i) => `hidden_states.${i}`),
      ...stack.attentions.map((_, i) => `attentions.${i}`),
    ],
    outputs: [...stack.hiddenStates, ...stack.attentions],
  };
}
