/**
 * The registry of model families: the one list the builder, `loadModelDir`, the CLI, `convert`, `export`
 * and the ONNX exporter ask. Each family is one folder exporting one {@link Family}; adding a family is
 * one more line in {@link FAMILIES}.
 */
import { Bert4tfjsError } from '@bert4tfjs/core';
import { ALBERT_FAMILY } from './albert/index.ts';
import { BERT_FAMILY } from './bert/index.ts';
import { DEFAULT_SENTENCE_POOLING, type Family, type SentencePooling } from './family.ts';
import { GPT2_FAMILY } from './gpt2/index.ts';
import { NEZHA_FAMILY } from './nezha/index.ts';
import { ROFORMER_FAMILY } from './roformer/index.ts';
import { T5_FAMILY } from './t5/index.ts';
import { TRANSFO_XL_FAMILY } from './transfo-xl/index.ts';
import { ELECTRA_FAMILY } from './electra/index.ts';
import { ROBERTA_FAMILY } from './roberta/index.ts';

/** Every family, in the order error messages list them. */
export const FAMILIES: readonly Family[] = [
  BERT_FAMILY,
  ALBERT_FAMILY,
  T5_FAMILY,
  TRANSFO_XL_FAMILY,
  GPT2_FAMILY,
  ELECTRA_FAMILY,
  ROBERTA_FAMILY,
  ROFORMER_FAMILY,
  NEZHA_FAMILY,
];

/** The family answering to `name`, or undefined. */
export function findFamily(name: string): Family | undefined {
  return FAMILIES.find((f) => f.names.includes(name));
}

/** The family for a model name; an unknown name is an error listing the known ones. */
export function getFamily(name: string): Family {
  const f = findFamily(name);
  if (!f) {
    throw new Bert4tfjsError(
      `unknown model '${name}' (known: ${FAMILIES.flatMap((x) => x.names).join(', ')})`,
      'bad-argument',
    );
  }
  return f;
}

/** Model kinds `convert --model` accepts: every family's original-checkpoint models. */
export const CONVERT_MODELS: readonly string[] = FAMILIES.flatMap((f) => f.checkpoint?.models ?? []);

/** The sentence pooling a model of family `name` gets when neither the caller nor its directory names one. */
export function sentencePoolingFor(name: string): SentencePooling {
  return findFamily(name)?.sentencePooling ?? DEFAULT_SENTENCE_POOLING;
}
