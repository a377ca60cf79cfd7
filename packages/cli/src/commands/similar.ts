/**
 * `bert4tfjs similar`: nearest neighbours of a query in a corpus by cosine similarity of sentence
 * embeddings (the model directory's own pooling, from bert4tfjs.json, unless --pooling says otherwise).
 */
import { Bert4tfjsError } from '@bert4tfjs/core';
import type { Command } from 'commander';
import { readInputFile, splitLines } from '../io/jsonl.ts';
import { Embedder } from '../pipeline/embedder.ts';
import { openModel, readEmbeddingDefaults, resolvePooling } from '../pipeline/load.ts';
import { DEFAULT_RERANK_K, RERANK_METHODS, rankNeighbours, type RerankOptions } from '../pipeline/rerank.ts';
import { parseIntOption, startBackend, withGlobalOptions, type GlobalOptions } from './common.ts';

/** One neighbour: corpus line (1-based), its text and the cosine similarity. */
export interface Neighbour {
  line: number;
  text: string;
  score: number;
}

/** Indices of the `k` largest cosine similarities between `query` and each row of `corpus` (rows L2-normalised). */
export function topKCosine(
  query: Float32Array,
  corpus: Float32Array[],
  k: number,
): Array<{ index: number; score: number }> {
  const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
  const qn = norm(query);
  const scored = corpus.map((v, index) => {
    let dot = 0;
    for (let i = 0; i < v.length; i++) dot += v[i] * query[i];
    return { index, score: dot / (qn * norm(v)) };
  });
  return scored.sort((a, b) => b.score - a.score || a.index - b.index).slice(0, k);
}

/**
 * Finds the `topK` corpus lines most similar to each query: by cosine, or re-ranked by `options.rerank`
 * (CSLS hubness reduction or geodesic distance on the corpus k-NN graph; see pipeline/rerank.ts).
 */
export function findSimilar(
  modelDir: string,
  corpus: string[],
  queries: string[],
  options: { topK: number; pooling?: string; batchSize?: number; rerank?: RerankOptions },
): Neighbour[][] {
  const defaults = readEmbeddingDefaults(modelDir);
  const { built, tokenizer } = openModel(modelDir, {}, true);
  let vectors: Float32Array[];
  try {
    const embedder = new Embedder(built, tokenizer, {
      pooling: resolvePooling(options.pooling, modelDir, built),
      normalize: true,
      batchSize: options.batchSize,
      maxLength: defaults.maxLength,
    });
    vectors = embedder.embed([...corpus, ...queries].map((text) => ({ text })));
  } finally {
    built.model.dispose();
  }
  const corpusVectors = vectors.slice(0, corpus.length);
  const toNeighbours = (hits: Array<{ index: number; score: number }>): Neighbour[] =>
    hits.map(({ index, score }) => ({ line: index + 1, text: corpus[index], score }));
  if (options.rerank && options.rerank.method !== 'none')
    return rankNeighbours(vectors.slice(corpus.length), corpusVectors, options.topK, options.rerank).map(toNeighbours);
  return queries.map((_, qi) => toNeighbours(topKCosine(vectors[corpus.length + qi], corpusVectors, options.topK)));
}

/** Registers `similar`. */
export function registerSimilar(program: Command): void {
  withGlobalOptions(
    program.command('similar').description('nearest neighbours of a query in a corpus, by cosine similarity'),
  )
    .requiredOption('--model <dir>', 'model directory (e.g. written by train-matching)')
    .requiredOption('--corpus <file>', 'one text per line')
    .requiredOption('--query <text...>', 'query text(s)')
    .option('--top-k <n>', 'neighbours per query', '5')
    .option('--pooling <mode>', 'override the model directory pooling')
    .option(
      '--rerank <method>',
      'none (cosine) | csls (hubness reduction: 2cos - r_q - r_d) | geodesic (shortest paths on the corpus k-NN graph)',
      'none',
    )
    .option('--k <n>', 'neighbourhood size of --rerank csls|geodesic', String(DEFAULT_RERANK_K))
    .option('--json', 'print JSON')
    .action(
      async (
        opts: GlobalOptions & {
          model: string;
          corpus: string;
          query: string[];
          topK: string;
          pooling?: string;
          rerank: string;
          k: string;
          json?: boolean;
        },
      ) => {
        await startBackend(opts);
        const topK = parseIntOption(opts.topK, '--top-k', 1);
        if (!(RERANK_METHODS as readonly string[]).includes(opts.rerank))
          throw new Bert4tfjsError(
            `--rerank must be one of ${RERANK_METHODS.join(' | ')}, got "${opts.rerank}"`,
            'bad-argument',
          );
        const rerank: RerankOptions = {
          method: opts.rerank as RerankOptions['method'],
          k: parseIntOption(opts.k, '--k', 1),
        };
        const corpus = splitLines(readInputFile(opts.corpus)).filter((l) => l.trim() !== '');
        if (corpus.length === 0)
          throw new Bert4tfjsError(`corpus has no non-empty lines: ${opts.corpus}`, 'empty-input');
        const results = findSimilar(opts.model, corpus, opts.query, { topK, pooling: opts.pooling, rerank });
        if (opts.json) {
          process.stdout.write(
            `${JSON.stringify(
              opts.query.map((q, i) => ({ query: q, neighbours: results[i] })),
              null,
              2,
            )}\n`,
          );
          return;
        }
        opts.query.forEach((q, i) => {
          console.log(`query: ${q}`);
          for (const n of results[i]) console.log(`  ${n.score.toFixed(4)}  ${n.text}  (line ${n.line})`);
        });
      },
    );
}
