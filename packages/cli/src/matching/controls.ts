/**
 * Which training controls fit which matching objective, and the cross-encoder loss options they give.
 * A control that does not apply is an error that says why (never silently ignored).
 */
import { Bert4tfjsError } from '@bert4tfjs/core';
import type { LabelSchema, MatchingPair } from '../data/matching-files.ts';
import { rejectControls, type TrainingControls } from '../training/controls.ts';
import type { MatchingObjective } from './encode.ts';
import type { CrossEncoderLossOptions } from './objectives.ts';

/** Throws when a control does not fit `objective` on `schema` labels. */
export function checkMatchingControls(c: TrainingControls, objective: MatchingObjective, schema: LabelSchema): void {
  const classifier = objective === 'cross-encoder' && schema === 'binary';
  const why = classifier
    ? null
    : objective === 'cross-encoder'
      ? 'graded labels train a regression head with mean squared error; it has no classes'
      : objective === 'cross-encoder-cosent'
        ? 'cross-encoder-cosent ranks raw scores with CoSENT; it has no class probabilities'
        : `the ${objective} bi-encoder compares sentence vectors; it has no classifier`;
  if (why)
    rejectControls(c, {
      labelSmoothing: `label smoothing applies to the 2-class cross-entropy of --objective cross-encoder on 0/1 labels; ${why}`,
      classWeights: `class weights apply to the 2-class cross-entropy of --objective cross-encoder on 0/1 labels; ${why}`,
      logitAdjust: `logit adjustment applies to the 2-class cross-entropy of --objective cross-encoder on 0/1 labels; ${why}`,
    });
  if (objective === 'cosent' || objective === 'contrastive')
    rejectControls(c, {
      multiSampleDropout: `multi-sample dropout averages a classifier head over dropout masks; the ${objective} bi-encoder has no head`,
    });
  if (Array.isArray(c.classWeights) && c.classWeights.length !== 2)
    throw new Bert4tfjsError(
      `--class-weights: the matching classifier has 2 classes (0, 1), got ${c.classWeights.length} weights`,
      'bad-argument',
    );
}

/** The cross-encoder loss options of `c` (class weights and priors from the training labels). */
export function crossEncoderLoss(c: TrainingControls, train: readonly MatchingPair[]): CrossEncoderLossOptions {
  const counts = [0, 1].map((k) => train.filter((p) => p.label === k).length);
  if ((c.classWeights !== null || c.logitAdjust !== null) && counts.some((n) => n === 0))
    throw new Bert4tfjsError(
      `${c.classWeights !== null ? '--class-weights' : '--logit-adjust'}: the training data has no pair labelled ${counts.indexOf(0)}; there is no imbalance to correct`,
      'bad-argument',
    );
  const classWeights =
    c.classWeights === 'balanced'
      ? counts.map((n) => train.length / (2 * n))
      : Array.isArray(c.classWeights)
        ? c.classWeights
        : null;
  return {
    labelSmoothing: c.labelSmoothing,
    classWeights,
    logitAdjust: c.logitAdjust !== null ? { tau: c.logitAdjust, priors: counts.map((n) => n / train.length) } : null,
    multiSampleDropout: c.multiSampleDropout,
  };
}
