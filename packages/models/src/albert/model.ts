/**
 * ALBERT (Hugging Face 4.30 layout). Differences from BERT, in reading order: the embeddings live in a
 * smaller width E and are projected to H by `embedding_hidden_mapping_in`; the encoder has
 * `num_hidden_groups` groups of `inner_group_num` post-LayerNorm layers, and layer i runs group
 * `floor(i / (num_hidden_layers / num_hidden_groups))` — the same layer instances applied again, so the
 * same weights; the MLM head projects H -> E before the tied decoder; the sentence-order head (`sop_logits`)
 * sits on the pooler. `albert_unshared` builds one set of layers per application, each loaded from its
 * group's tensors (bert4keras's `albert_unshared`): identical outputs after load, separate weights to train.
 */
import * as tf from '@tensorflow/tfjs';
import {
  Bert4tfjsError,
  Dense,
  Embedding,
  FeedForward,
  LayerNormalization,
  MultiHeadAttention,
  PositionEmbedding,
  type AttentionOption,
} from '@bert4tfjs/core';
import { bertConfigToJson, parseBertConfig, type BertConfig } from '../bert/config.ts';
import { intKey, strKey, type RawConfig } from '../config.ts';
import { effectiveVocabSize, vocabTransforms, type BertBuildOptions } from '../encoder/build-options.ts';
import { bertHeads, bertInputs } from '../encoder/heads.ts';
import { postNormBlock } from '../encoder/post-norm-block.ts';
import type { FamilyBuild } from '../family.ts';
import type { WeightMapping, WeightTransform } from '../weights.ts';

/** ALBERT hyper-parameters: BERT's plus the factorized embedding and the layer groups. */
export interface AlbertConfig extends BertConfig {
  /** Width E of the embeddings (and of the MLM head before the tied decoder). */
  embeddingSize: number;
  /** How many distinct groups of layers the checkpoint holds. */
  numHiddenGroups: number;
  /** How many layers each group holds (run one after another at every application of the group). */
  innerGroupNum: number;
}

/** Build options of ALBERT: BERT's, with the sentence-order head and the unshared variant. */
export interface AlbertBuildOptions extends BertBuildOptions {
  /** Add the sentence-order head (`sop_logits`, from `sop_classifier.classifier`); implies the pooler. `withNsp` is an alias. */
  withSop?: boolean;
  /** One set of layers per application (`albert_unshared`); default: `model === 'albert_unshared'`. */
  unshared?: boolean;
  /** The family name the builder was called with. */
  model?: string;
}

/** Hugging Face AlbertConfig defaults that differ from BERT's (applied where the key is absent or null). */
const ALBERT_DEFAULTS: RawConfig = { hidden_act: 'gelu_new', hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 };

/**
 * Reads an ALBERT config from config.json keys; `source` names the file in errors. Impossible layer
 * groupings (zero groups, layers not divisible by groups) are errors naming the keys and values.
 */
export function parseAlbertConfig(cfg: RawConfig, source = 'config'): AlbertConfig {
  const merged: RawConfig = { ...cfg };
  for (const [k, v] of Object.entries(ALBERT_DEFAULTS)) if (merged[k] == null) merged[k] = v;
  const pet = strKey(cfg, 'position_embedding_type', source, 'absolute');
  if (pet !== 'absolute') {
    throw new Bert4tfjsError(
      `${source}: position_embedding_type '${pet}' is not supported for albert (only 'absolute')`,
      'bad-config',
    );
  }
  const c: AlbertConfig = {
    ...parseBertConfig(merged, source),
    embeddingSize: intKey(cfg, 'embedding_size', source, 128),
    numHiddenGroups: intKey(cfg, 'num_hidden_groups', source, 1),
    innerGroupNum: intKey(cfg, 'inner_group_num', source, 1),
  };
  if (c.embeddingSize < 1)
    throw new Bert4tfjsError(`${source}: embedding_size must be >= 1, got ${c.embeddingSize}`, 'bad-config');
  if (c.innerGroupNum < 1)
    throw new Bert4tfjsError(`${source}: inner_group_num must be >= 1, got ${c.innerGroupNum}`, 'bad-config');
  if (c.numHiddenGroups < 1 || c.numHiddenLayers % c.numHiddenGroups !== 0) {
    throw new Bert4tfjsError(
      `${source}: num_hidden_layers ${c.numHiddenLayers} must be a multiple of num_hidden_groups ${c.numHiddenGroups} ` +
        '(each group serves num_hidden_layers / num_hidden_groups consecutive layers)',
      'bad-config',
    );
  }
  return c;
}

/** The config.json keys of an ALBERT config (inverse of {@link parseAlbertConfig}). */
export function albertConfigToJson(c: AlbertConfig): RawConfig {
  return {
    ...bertConfigToJson(c, 'albert'),
    embedding_size: c.embeddingSize,
    num_hidden_groups: c.numHiddenGroups,
    inner_group_num: c.innerGroupNum,
    position_embedding_type: 'absolute',
  };
}

/** The group that layer `i` runs: `floor(i / (num_hidden_layers / num_hidden_groups))`. */
export function albertGroupOf(c: AlbertConfig, i: number): number {
  return Math.floor(i / (c.numHiddenLayers / c.numHiddenGroups));
}

/** The four layers of one ALBERT layer, named as {@link postNormBlock} names them under `name`. */
function albertLayerSet(name: string, c: AlbertConfig, attention: AttentionOption | undefined) {
  return {
    attn: new MultiHeadAttention({
      name: `${name}-MultiHeadSelfAttention`,
      heads: c.numAttentionHeads,
      headSize: c.hiddenSize / c.numAttentionHeads,
      maskInput: true,
      dropout: c.attentionProbsDropoutProb,
      initializerRange: c.initializerRange,
      attention,
    }),
    attnNorm: new LayerNormalization({ name: `${name}-MultiHeadSelfAttention-Norm`, epsilon: c.layerNormEps }),
    ffn: new FeedForward({
      name: `${name}-FeedForward`,
      units: c.intermediateSize,
      activation: c.hiddenAct,
      initializerRange: c.initializerRange,
    }),
    ffnNorm: new LayerNormalization({ name: `${name}-FeedForward-Norm`, epsilon: c.layerNormEps }),
  };
}

/** Weight-map entries of one ALBERT layer `name` from Hugging Face prefix `hf` (`...albert_layer_groups.g.albert_layers.j`). */
export function albertLayerWeights(name: string, hf: string): WeightMapping[] {
  const T: WeightTransform[] = [{ kind: 'transpose' }];
  const attn = `${name}-MultiHeadSelfAttention`;
  const ffn = `${name}-FeedForward`;
  const m: WeightMapping[] = [];
  for (const [p, hfName] of [
    ['q', 'query'],
    ['k', 'key'],
    ['v', 'value'],
    ['o', 'dense'],
  ] as const) {
    m.push({ layer: attn, weight: `${p}_kernel`, source: `${hf}.attention.${hfName}.weight`, transforms: T });
    m.push({ layer: attn, weight: `${p}_bias`, source: `${hf}.attention.${hfName}.bias` });
  }
  m.push(
    { layer: `${attn}-Norm`, weight: 'gamma', source: `${hf}.attention.LayerNorm.weight` },
    { layer: `${attn}-Norm`, weight: 'beta', source: `${hf}.attention.LayerNorm.bias` },
    { layer: ffn, weight: 'inner_kernel', source: `${hf}.ffn.weight`, transforms: T },
    { layer: ffn, weight: 'inner_bias', source: `${hf}.ffn.bias` },
    { layer: ffn, weight: 'outer_kernel', source: `${hf}.ffn_output.weight`, transforms: T },
    { layer: ffn, weight: 'outer_bias', source: `${hf}.ffn_output.bias` },
    { layer: `${ffn}-Norm`, weight: 'gamma', source: `${hf}.full_layer_layer_norm.weight` },
    { layer: `${ffn}-Norm`, weight: 'beta', source: `${hf}.full_layer_layer_norm.bias` },
  );
  return m;
}

/**
 * Builds an ALBERT with optional pooler, MLM and SOP heads. Layer names: embeddings `Embedding-*` in E,
 * `Embedding-Mapping` (E -> H); shared: `Transformer-G{g}-{j}-*` (group g, inner layer j), each called
 * once per layer of its group; unshared: `Transformer-{k}-*`, k = layer * inner_group_num + j.
 */
export function buildAlbert(c: AlbertConfig, opts: AlbertBuildOptions = {}): FamilyBuild<AlbertConfig> {
  const unshared = opts.unshared ?? opts.model === 'albert_unshared';
  const E = c.embeddingSize;
  const { ids, segments, mask } = bertInputs();
  const tokenEmbedding = new Embedding({
    name: 'Embedding-Token',
    inputDim: effectiveVocabSize(c.vocabSize, opts),
    outputDim: E,
    initializerRange: c.initializerRange,
  });
  let x = tokenEmbedding.apply(ids) as tf.SymbolicTensor;
  const s = new Embedding({
    name: 'Embedding-Segment',
    inputDim: c.typeVocabSize,
    outputDim: E,
    initializerRange: c.initializerRange,
  }).apply(segments) as tf.SymbolicTensor;
  x = tf.layers.add({ name: 'Embedding-Token-Segment' }).apply([x, s]) as tf.SymbolicTensor;
  x = new PositionEmbedding({
    name: 'Embedding-Position',
    maxPositions: c.maxPositionEmbeddings,
    outputDim: E,
    initializerRange: c.initializerRange,
  }).apply(x) as tf.SymbolicTensor;
  x = new LayerNormalization({ name: 'Embedding-Norm', epsilon: c.layerNormEps }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.dropout({ rate: c.hiddenDropoutProb, name: 'Embedding-Dropout' }).apply(x) as tf.SymbolicTensor;
  // Hugging Face always has the mapping layer, even when E == H.
  x = new Dense({ name: 'Embedding-Mapping', units: c.hiddenSize, initializerRange: c.initializerRange }).apply(
    x,
  ) as tf.SymbolicTensor;

  const T: WeightTransform[] = [{ kind: 'transpose' }];
  const weightMap: WeightMapping[] = [
    {
      layer: 'Embedding-Token',
      weight: 'embeddings',
      source: 'albert.embeddings.word_embeddings.weight',
      transforms: vocabTransforms(opts),
    },
    { layer: 'Embedding-Segment', weight: 'embeddings', source: 'albert.embeddings.token_type_embeddings.weight' },
    { layer: 'Embedding-Position', weight: 'embeddings', source: 'albert.embeddings.position_embeddings.weight' },
    { layer: 'Embedding-Norm', weight: 'gamma', source: 'albert.embeddings.LayerNorm.weight' },
    { layer: 'Embedding-Norm', weight: 'beta', source: 'albert.embeddings.LayerNorm.bias' },
    {
      layer: 'Embedding-Mapping',
      weight: 'kernel',
      source: 'albert.encoder.embedding_hidden_mapping_in.weight',
      transforms: T,
    },
    { layer: 'Embedding-Mapping', weight: 'bias', source: 'albert.encoder.embedding_hidden_mapping_in.bias' },
  ];
  const hfLayer = (g: number, j: number): string => `albert.encoder.albert_layer_groups.${g}.albert_layers.${j}`;

  // Shared: one layer set per (group, inner layer), created up front and mapped once.
  const sets = new Map<string, ReturnType<typeof albertLayerSet>>();
  if (!unshared) {
    for (let g = 0; g < c.numHiddenGroups; g++) {
      for (let j = 0; j < c.innerGroupNum; j++) {
        sets.set(`${g}-${j}`, albertLayerSet(`Transformer-G${g}-${j}`, c, opts.attention));
        weightMap.push(...albertLayerWeights(`Transformer-G${g}-${j}`, hfLayer(g, j)));
      }
    }
  }
  for (let i = 0; i < c.numHiddenLayers; i++) {
    const g = albertGroupOf(c, i);
    for (let j = 0; j < c.innerGroupNum; j++) {
      if (unshared) {
        const name = `Transformer-${i * c.innerGroupNum + j}`;
        x = postNormBlock(x, mask, name, c, opts.attention);
        weightMap.push(...albertLayerWeights(name, hfLayer(g, j)));
      } else {
        x = postNormBlock(x, mask, `Transformer-G${g}-${j}`, c, opts.attention, sets.get(`${g}-${j}`));
      }
    }
  }

  const heads = bertHeads(
    x,
    tokenEmbedding,
    c,
    { ...opts, withNsp: opts.withSop || opts.withNsp },
    {
      pooler: 'albert.pooler',
      mlm: 'predictions',
      nsp: 'sop_classifier.classifier',
      nspName: 'sop_logits',
      mlmBias: 'predictions.bias',
    },
  );
  // bertHeads names BERT's `transform.` sub-module; ALBERT's MLM head has dense/LayerNorm directly under `predictions.`.
  weightMap.push(
    ...heads.weights.map((m) => ({ ...m, source: m.source.replace(/^predictions\.transform\./, 'predictions.') })),
  );
  const model = tf.model({
    inputs: [ids, segments, mask],
    outputs: [x, ...heads.outputs],
    name: unshared ? 'albert_unshared' : 'albert',
  });
  return {
    model,
    config: c,
    inputNames: ['input_ids', 'token_type_ids', 'attention_mask'],
    outputNames: ['last_hidden_state', ...heads.names],
    weightMap,
    prefix: 'albert.',
  };
}
