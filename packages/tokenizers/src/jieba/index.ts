/**
 * Word-level Chinese segmentation with python jieba's behaviour (WoBERT pre-tokenisation), over the
 * dictionary files bundled with nodejieba. We re-implement python jieba 0.42.1 (prefix DAG, max
 * log-probability route, its block regexes, HMM-off ASCII buffering, finalseg HMM) instead of calling
 * nodejieba and re-merging ASCII runs: that would fix HMM-off output only (nodejieba's HMM mode differs
 * from python's on 3/60 fixture sentences), and reading the data files needs no native binding.
 */
import { JiebaSegmenter, type JiebaCutOptions, type JiebaSegmenterOptions } from './segmenter.ts';

export { JiebaSegmenter } from './segmenter.ts';
export type { JiebaCutOptions, JiebaSegmenterOptions } from './segmenter.ts';
export { nodejiebaDictFiles } from './paths.ts';
export type { NodejiebaDictFiles } from './paths.ts';
export { parseUserDict } from './user-dict.ts';
export type { UserDictEntry } from './user-dict.ts';

let defaultSegmenter: JiebaSegmenter | undefined;

/**
 * The process-wide segmenter over nodejieba's dictionary + user dictionary (what nodejieba loads by
 * default), created on first use. Words added to it show up in {@link cut}, like python's global jieba.
 */
export function getDefaultSegmenter(): JiebaSegmenter {
  defaultSegmenter ??= new JiebaSegmenter();
  return defaultSegmenter;
}

/** Segments `text` with the default segmenter; HMM off unless `{ hmm: true }` (python `jieba.lcut`). */
export function cut(text: string, options: JiebaCutOptions = {}): string[] {
  return getDefaultSegmenter().cut(text, options);
}

/** {@link cut} under a name that says what it is, for use from the package root. */
export const jiebaCut: (text: string, options?: JiebaCutOptions) => string[] = cut;

/** Options of {@link createJiebaPreTokenizer}. */
export interface JiebaPreTokenizerOptions extends JiebaSegmenterOptions, JiebaCutOptions {
  /** Segmenter to use; default: the shared default one, or a new one when dictionary paths are given. */
  segmenter?: JiebaSegmenter;
}

/**
 * A `preTokenize` function for the WordPiece tokenizer: `(text) => words`, python
 * `jieba.cut(text, HMM=False)` by default, as WoBERT does.
 */
export function createJiebaPreTokenizer(options: JiebaPreTokenizerOptions = {}): (text: string) => string[] {
  const { segmenter, hmm, ...paths } = options;
  const custom = paths.dictPath !== undefined || paths.userDictPaths !== undefined || paths.hmmModelPath !== undefined;
  const seg = segmenter ?? (custom ? new JiebaSegmenter(paths) : getDefaultSegmenter());
  const cutOptions: JiebaCutOptions = { hmm: hmm ?? false };
  return (text: string) => seg.cut(text, cutOptions);
}
