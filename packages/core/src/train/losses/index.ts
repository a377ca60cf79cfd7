/** Losses: classification, multi-label and sentence-similarity; pure functions of tensors returning scalars. */
export * from './classification.ts';
export * from './multilabel.ts';
export * from './similarity.ts';
