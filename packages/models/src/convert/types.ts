/**
 * Shared types of the checkpoint converters. A family's name table is a list of {@link NameRule}s: each
 * says which original-TensorFlow variable a Hugging Face tensor comes from and how its layout differs.
 * Import (TF -> HF) and export (HF -> TF) both read the same table, so they cannot drift apart.
 */
import type { DType } from '@bert4tfjs/core';

/** A `convert --model` value: one of the registry's `CONVERT_MODELS` (checked by `parseConvertModel`). */
export type ConvertModel = string;

/** How one Hugging Face tensor relates to one TensorFlow variable. */
export interface NameRule {
  /** Hugging Face tensor name. */
  hf: string;
  /** TensorFlow variable name; the one export writes. */
  tf: string;
  /** Other TF names accepted on import (e.g. mT5's `rms_norm/scale` for `layer_norm/scale`). */
  aliases?: string[];
  /** TF stores dense kernels [in, out]; Hugging Face Linear weights are [out, in]. */
  transpose?: boolean;
  /** The HF tensor is row `index` of a TF tensor stacking `count` of them (per-layer biases). */
  row?: { index: number; count: number };
  /** TF has a leading axis of size 1 that HF lacks (OpenAI GPT-2's Conv1D kernels `w` [1, in, out]). */
  squeeze?: boolean;
  /** When TF has no such variable the HF tensor is an identity matrix of this [rows, cols] (a projection TF skips). */
  identityIfAbsent?: [number, number];
}

/** Name, dtype and shape of a stored tensor, as a listing gives them before any data is read. */
export interface TensorInfo {
  name: string;
  dtype: DType | 'STRING';
  shape: number[];
}

/** Where one planned output tensor's bytes come from. */
export type TensorSourceRef =
  | { kind: 'copy'; name: string; transpose?: boolean; row?: number; squeeze?: boolean }
  | { kind: 'identity' };

/** One tensor of a conversion's output: its HF name, output dtype and shape, and its source. */
export interface PlannedTensor {
  name: string;
  dtype: DType;
  shape: number[];
  source: TensorSourceRef;
}

/** What a conversion plan leaves out, for the summary. */
export interface PlanLeftovers {
  /** Source variables no rule maps (they are not written). */
  unmapped: string[];
  /** Optimizer slots and training counters (`…/adam_m`, `global_step`, …), skipped on purpose. */
  optimizerSlots: string[];
}
