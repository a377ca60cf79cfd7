/** BERT's post-LayerNorm Transformer block, shared by the BERT-like encoders (BERT, ALBERT, ...). */
import * as tf from '@tensorflow/tfjs';
import { FeedForward, MultiHeadAttention, type AttentionOption } from '@bert4tfjs/core';
import { applyLayerNorm, makeLayerNorm, type NormCondition } from './layer-norm.ts';

/** Builds one post-LayerNorm Transformer block (BERT's) on `x`; returns its output. */
export function postNormBlock(
  x: tf.SymbolicTensor,
  mask: tf.SymbolicTensor,
  name: string,
  c: {
    hiddenSize: number;
    numAttentionHeads: number;
    intermediateSize: number;
    hiddenAct: string;
    hiddenDropoutProb: number;
    attentionProbsDropoutProb: number;
    initializerRange: number;
    layerNormEps: number;
  },
  attention: AttentionOption | undefined,
  shared?: { attn: tf.layers.Layer; attnNorm: tf.layers.Layer; ffn: tf.layers.Layer; ffnNorm: tf.layers.Layer },
  condition?: NormCondition | null,
  attentionBias?: tf.SymbolicTensor | null,
): tf.SymbolicTensor {
  const attn =
    shared?.attn ??
    new MultiHeadAttention({
      name: `${name}-MultiHeadSelfAttention`,
      heads: c.numAttentionHeads,
      headSize: c.hiddenSize / c.numAttentionHeads,
      maskInput: true,
      dropout: c.attentionProbsDropoutProb,
      initializerRange: c.initializerRange,
      attention,
      biasInput: !!attentionBias,
    });
  // An attention bias (UniLM / LM masks, see application.ts) goes after the padding mask.
  let a = attn.apply(attentionBias ? [x, mask, attentionBias] : [x, mask]) as tf.SymbolicTensor;
  a = tf.layers.dropout({ rate: c.hiddenDropoutProb }).apply(a) as tf.SymbolicTensor;
  const attnNorm = shared?.attnNorm ?? makeLayerNorm(`${name}-MultiHeadSelfAttention-Norm`, c.layerNormEps, condition);
  x = applyLayerNorm(attnNorm, tf.layers.add().apply([x, a]) as tf.SymbolicTensor, condition);
  const ffn =
    shared?.ffn ??
    new FeedForward({
      name: `${name}-FeedForward`,
      units: c.intermediateSize,
      activation: c.hiddenAct,
      initializerRange: c.initializerRange,
    });
  let f = ffn.apply(x) as tf.SymbolicTensor;
  f = tf.layers.dropout({ rate: c.hiddenDropoutProb }).apply(f) as tf.SymbolicTensor;
  const ffnNorm = shared?.ffnNorm ?? makeLayerNorm(`${name}-FeedForward-Norm`, c.layerNormEps, condition);
  return applyLayerNorm(ffnNorm, tf.layers.add().apply([x, f]) as tf.SymbolicTensor, condition);
}
