/**
 * bert4tfjs (CLI package): the command line plus the pipelines it is built from, for scripts and
 * examples: opening a model directory with its tokenizer, embedding, forward runs.
 */
export { buildProgram, main, describeError } from './main.ts';
export { Embedder, type EmbedInput, type EmbedPooling, type EmbedderOptions } from './pipeline/embedder.ts';
export {
  openModel,
  loadTokenizerFromDir,
  readTokenizerSettings,
  readEmbeddingDefaults,
  preTokenizerByName,
  PRE_TOKENIZERS,
  type OpenedModel,
} from './pipeline/load.ts';
export { forwardModelDir } from './commands/forward.ts';
export { readEmbedInputs } from './commands/embed.ts';
export { encodeNpyFloat32 } from './io/npy.ts';
export { findSimilar, topKCosine, type Neighbour } from './commands/similar.ts';
export {
  rankNeighbours,
  rerankScores,
  RERANK_METHODS,
  DEFAULT_RERANK_K,
  type RerankMethod,
  type RerankOptions,
} from './pipeline/rerank.ts';
export { readMatchingFile, type MatchingDataset, type MatchingPair, type LabelSchema } from './data/matching-files.ts';
export { generateMatchingPairs, seededRandom, BUNDLED_SPLITS, type SyntheticPair } from './data/synthetic-zh.ts';
export { buildVocab, SPECIAL_TOKENS, type BuildVocabOptions } from './matching/vocab-builder.ts';
export { computeBaselines, jaccard, type Baselines } from './matching/baselines.ts';
export {
  trainMatching,
  fitMatching,
  type TrainMatchingOptions,
  type TrainMatchingSummary,
  type MatchingFitContext,
} from './matching/run.ts';
export {
  addTrainingControlOptions,
  parseTrainingControls,
  defaultTrainingControls,
  type TrainingControls,
} from './training/controls.ts';
export { renderCurvesSvg, type CurvePoint } from './report/curves.ts';
export { OnnxEmbedder, loadOnnxRuntime } from './pipeline/onnx-embedder.ts';
export { exportOnnxDirectory } from './commands/export-onnx.ts';
export { trainNer, type TrainNerOptions, type TrainNerSummary } from './ner/run.ts';
export { readNerFile, type NerDataset, type NerExample, type EntitySpan } from './ner/data.ts';
export { entityMetrics, type EntityMetrics } from './ner/metrics.ts';
export { generateNerRows, toBioRow } from './data/synthetic-ner.ts';
export { prepareOutput, writeOutputFile, streamOutputFile, type OutputPolicy } from './io/output-policy.ts';
