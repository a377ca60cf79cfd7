/**
 * Writes a finished run to its output directory in one atomic step (a temporary sibling renamed into
 * place, so a failed or interrupted run never leaves a half-written directory and an existing one is
 * replaced only with --force): a model directory `embed`, `similar` and `forward` can open, plus the
 * run's metrics log, per-pair predictions, summary and training curves.
 */
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Bert4tfjsError, writeDirAtomic, writeSafetensors } from '@bert4tfjs/core';
import { exportHfTensors, type TransformerModel } from '@bert4tfjs/models';
import type { Tokenizer } from '@bert4tfjs/tokenizers';
import { renderCurvesSvg, type CurvePoint } from '../report/curves.ts';

/** One line of predictions-{valid,test}.jsonl. */
export interface PredictionRecord {
  /** 1-based line of the pair in its source file. */
  line: number;
  a: string;
  b: string;
  label: number;
  score: number;
  /** Binary data: the 0/1 decision at the run's threshold. */
  prediction?: number;
}

/** What {@link writeRunDir} writes. */
export interface RunFiles {
  built: TransformerModel;
  tokenizer: Tokenizer;
  /** Keys added to config.json (num_labels, architectures ...). */
  extraConfig: Record<string, unknown>;
  /** tokenizer_config.json (Hugging Face keys plus our `pre_tokenize`). */
  tokenizerConfig: Record<string, unknown>;
  /** bert4tfjs.json: pooling, normalize, objective, max_length ... */
  embeddingConfig: Record<string, unknown>;
  /** The trainer's metrics JSONL (copied), if any. */
  metricsLog: string | null;
  /** Records appended to metrics.jsonl after training (final evaluations). */
  extraMetrics: Record<string, unknown>[];
  predictions: Record<string, readonly object[]>;
  summary: Record<string, unknown>;
  curves: CurvePoint[];
  curvesTitle: string;
}

/** The file names of a run directory. */
export const RUN_FILES = {
  metrics: 'metrics.jsonl',
  summary: 'summary.json',
  curves: 'curves.svg',
  predictions: (split: string) => `predictions-${split}.jsonl`,
} as const;

/** Refuses an existing `dir` unless `force` (checked before training starts, so no time is wasted). */
export function checkOutDir(dir: string, force: boolean): void {
  if (existsSync(dir) && !force)
    throw new Bert4tfjsError(`--out: ${dir} already exists (use --force to replace it)`, 'exists');
}

const jsonl = (rows: readonly object[]): string =>
  rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '');

/** Writes the whole run directory atomically. */
export async function writeRunDir(dir: string, files: RunFiles, force: boolean): Promise<void> {
  // Everything that can fail slowly (tensors, SVG) is prepared before the directory is touched.
  const tensors = exportHfTensors(files.built);
  const svg = await renderCurvesSvg(files.curves, files.curvesTitle);
  const vocab = Array.from({ length: files.tokenizer.vocabSize }, (_, i) => files.tokenizer.idToToken(i));
  const config = {
    ...files.built.rawConfig,
    ...files.extraConfig,
    vocab_size: files.built.model.getLayer('Embedding-Token').weights[0].shape[0],
  };
  await writeDirAtomic(
    dir,
    (tmp) => {
      writeFileSync(join(tmp, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
      writeSafetensors(join(tmp, 'model.safetensors'), tensors, { format: 'pt' });
      writeFileSync(join(tmp, 'vocab.txt'), `${vocab.join('\n')}\n`);
      writeFileSync(join(tmp, 'tokenizer_config.json'), `${JSON.stringify(files.tokenizerConfig, null, 2)}\n`);
      writeFileSync(join(tmp, 'bert4tfjs.json'), `${JSON.stringify(files.embeddingConfig, null, 2)}\n`);
      const metricsPath = join(tmp, RUN_FILES.metrics);
      if (files.metricsLog && existsSync(files.metricsLog)) copyFileSync(files.metricsLog, metricsPath);
      writeFileSync(metricsPath, jsonl(files.extraMetrics), { flag: 'a' });
      for (const [split, rows] of Object.entries(files.predictions))
        writeFileSync(join(tmp, RUN_FILES.predictions(split)), jsonl(rows));
      writeFileSync(join(tmp, RUN_FILES.summary), `${JSON.stringify(files.summary, null, 2)}\n`);
      writeFileSync(join(tmp, RUN_FILES.curves), svg);
    },
    { force },
  );
}
