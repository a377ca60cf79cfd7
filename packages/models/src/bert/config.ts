/** BERT's config: Hugging Face config.json keys <-> {@link BertConfig} (also WoBERT, RoBERTa-wwm). */
import { Bert4tfjsError } from '@bert4tfjs/core';
import { intKey, numKey, strKey, type RawConfig } from '../config.ts';

/** BERT hyper-parameters (Hugging Face config.json keys, camel-cased). */
export interface BertConfig {
  vocabSize: number;
  hiddenSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  intermediateSize: number;
  hiddenAct: string;
  hiddenDropoutProb: number;
  attentionProbsDropoutProb: number;
  maxPositionEmbeddings: number;
  typeVocabSize: number;
  initializerRange: number;
  layerNormEps: number;
}

/** Reads a BERT config from config.json keys; `source` names the file in errors. */
export function parseBertConfig(cfg: RawConfig, source = 'config'): BertConfig {
  const c: BertConfig = {
    vocabSize: intKey(cfg, 'vocab_size', source),
    hiddenSize: intKey(cfg, 'hidden_size', source),
    numHiddenLayers: intKey(cfg, 'num_hidden_layers', source),
    numAttentionHeads: intKey(cfg, 'num_attention_heads', source),
    intermediateSize: intKey(cfg, 'intermediate_size', source),
    hiddenAct: strKey(cfg, 'hidden_act', source, 'gelu'),
    hiddenDropoutProb: numKey(cfg, 'hidden_dropout_prob', source, 0.1),
    attentionProbsDropoutProb: numKey(cfg, 'attention_probs_dropout_prob', source, 0.1),
    maxPositionEmbeddings: intKey(cfg, 'max_position_embeddings', source, 512),
    typeVocabSize: intKey(cfg, 'type_vocab_size', source, 2),
    initializerRange: numKey(cfg, 'initializer_range', source, 0.02),
    layerNormEps: numKey(cfg, 'layer_norm_eps', source, 1e-12),
  };
  if (c.hiddenSize % c.numAttentionHeads !== 0) {
    throw new Bert4tfjsError(
      `${source}: hidden_size ${c.hiddenSize} is not a multiple of num_attention_heads ${c.numAttentionHeads}`,
      'bad-config',
    );
  }
  return c;
}

/** The config.json keys of a BERT config (inverse of {@link parseBertConfig}). */
export function bertConfigToJson(c: BertConfig, modelType = 'bert'): RawConfig {
  return {
    model_type: modelType,
    vocab_size: c.vocabSize,
    hidden_size: c.hiddenSize,
    num_hidden_layers: c.numHiddenLayers,
    num_attention_heads: c.numAttentionHeads,
    intermediate_size: c.intermediateSize,
    hidden_act: c.hiddenAct,
    hidden_dropout_prob: c.hiddenDropoutProb,
    attention_probs_dropout_prob: c.attentionProbsDropoutProb,
    max_position_embeddings: c.maxPositionEmbeddings,
    type_vocab_size: c.typeVocabSize,
    initializer_range: c.initializerRange,
    layer_norm_eps: c.layerNormEps,
    pad_token_id: 0,
  };
}
