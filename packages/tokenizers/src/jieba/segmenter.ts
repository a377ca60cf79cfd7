/**
 * JiebaSegmenter: python jieba 0.42.1's accurate mode (`jieba.cut(s, HMM=...)`) re-implemented over
 * nodejieba's bundled dictionary files. The main dictionary is shared per process; words added with
 * addWord / loadUserDict live in a per-segmenter overlay, so segmenters never affect one another.
 */
import { splitBlocks, splitHmmBlocks } from './blocks.ts';
import { loadPrefixDict, registerWord, type PrefixDict } from './dictionary.ts';
import { hmmCutHan, loadHmmModel, type HmmModel } from './hmm.ts';
import { nodejiebaDictFiles } from './paths.ts';
import { cutBlockHmm, cutBlockNoHmm, type WordFreqs } from './route.ts';
import { readUserDict } from './user-dict.ts';
import { TokenizerError } from '../wordpiece/errors.ts';

/** Where a segmenter reads its dictionaries from. */
export interface JiebaSegmenterOptions {
  /** Main dictionary (`word freq [tag]` lines). Default: nodejieba's `jieba.dict.utf8`. */
  dictPath?: string;
  /**
   * User dictionaries loaded in order after the main one. Default: with nodejieba's main dictionary,
   * its `user.dict.utf8` (nodejieba always loads it); with a custom `dictPath`, none. `[]` for none.
   */
  userDictPaths?: readonly string[];
  /** HMM model (cppjieba text format), read on the first HMM cut. Default: nodejieba's `hmm_model.utf8`. */
  hmmModelPath?: string;
}

/** Options of {@link JiebaSegmenter.cut}. */
export interface JiebaCutOptions {
  /** Use the HMM to join runs of unknown single characters into new words. Default false (WoBERT). */
  hmm?: boolean;
}

/** Word segmenter with python jieba's accurate-mode behaviour. */
export class JiebaSegmenter implements WordFreqs {
  readonly #base: PrefixDict;
  readonly #overlay = new Map<string, number>();
  readonly #tags = new Map<string, string>();
  readonly #forceSplit = new Set<string>();
  readonly #hmmModelPath: string | undefined;
  #hmm: HmmModel | undefined;
  #total: number;

  /**
   * Loads the main dictionary (cached per process) and the user dictionaries.
   * @throws TokenizerError when a file is missing or malformed.
   */
  constructor(options: JiebaSegmenterOptions = {}) {
    const { dictPath, userDictPaths, hmmModelPath } = options;
    const bundled = dictPath === undefined ? nodejiebaDictFiles() : undefined;
    this.#base = loadPrefixDict(dictPath ?? bundled!.dict);
    this.#total = this.#base.total;
    this.#hmmModelPath = hmmModelPath;
    for (const path of userDictPaths ?? (bundled ? [bundled.userDict] : [])) this.loadUserDict(path);
  }

  /** Sum of all word frequencies, user words included. */
  get total(): number {
    return this.#total;
  }

  /** Frequency of `word`: a count, 0 for a prefix-only fragment or deleted word, undefined if unknown. */
  freq(word: string): number | undefined {
    return this.#overlay.get(word) ?? this.#base.freqs.get(word);
  }

  /** Tag given to `word` by addWord / a user dictionary, if any. */
  tagOf(word: string): string | undefined {
    return this.#tags.get(word);
  }

  /**
   * Segments `text` (python `jieba.lcut(text, HMM=hmm)`). The words concatenate back to `text` exactly;
   * whitespace comes out one character per word ("\r\n" as one), as python jieba yields it.
   */
  cut(text: string, options: JiebaCutOptions = {}): string[] {
    if (typeof text !== 'string') {
      throw new TokenizerError(`JiebaSegmenter.cut: argument "text" must be a string, got ${typeof text}`);
    }
    const hmm = options.hmm ?? false;
    if (typeof hmm !== 'boolean') {
      throw new TokenizerError(`JiebaSegmenter.cut: option "hmm" must be a boolean, got ${JSON.stringify(hmm)}`);
    }
    const words: string[] = [];
    const out = (w: string): void => {
      words.push(w);
    };
    if (hmm) {
      const recognize = (run: string, emit: (w: string) => void): void => this.#hmmCut(run, emit);
      splitBlocks(text, (block) => cutBlockHmm(this, block, recognize, out), out);
    } else {
      splitBlocks(text, (block) => cutBlockNoHmm(this, block, out), out);
    }
    return words;
  }

  /**
   * Adds `word` (python `add_word`). Without `freq`, a frequency just high enough to keep the word
   * whole is suggested; `freq` 0 deletes the word and makes the HMM split it too.
   * @throws TokenizerError on an empty word or a frequency that is not a non-negative integer.
   */
  addWord(word: string, freq?: number, tag?: string): void {
    if (typeof word !== 'string' || word.length === 0) {
      throw new TokenizerError(
        `JiebaSegmenter.addWord: argument "word" must be a non-empty string, got ${JSON.stringify(word)}`,
      );
    }
    if (freq !== undefined && !(Number.isSafeInteger(freq) && freq >= 0)) {
      throw new TokenizerError(
        `JiebaSegmenter.addWord(${JSON.stringify(word)}): argument "freq" must be a non-negative integer, got ${freq}`,
      );
    }
    const f = freq ?? this.suggestFreq(word);
    // python adds to the total even when the word was already there.
    this.#total += f;
    registerWord(this.#overlay, word, f, (fragment) => this.freq(fragment) !== undefined);
    if (tag) this.#tags.set(word, tag);
    if (f === 0) this.#forceSplit.add(word);
  }

  /** Deletes `word` (python `del_word`: addWord with frequency 0). */
  deleteWord(word: string): void {
    this.addWord(word, 0);
  }

  /**
   * The frequency python's `suggest_freq(word, tune=False)` proposes so that `word` is cut whole:
   * one more than the product of its current pieces' probabilities times the total.
   */
  suggestFreq(word: string): number {
    let p = 1;
    for (const piece of this.cut(word)) p *= (this.freq(piece) ?? 1) / this.#total;
    return Math.max(Math.trunc(p * this.#total) + 1, this.freq(word) ?? 1);
  }

  /**
   * Loads a user dictionary (python `load_userdict`): lines `word [freq] [tag]`, added in order.
   * @throws TokenizerError naming the file and line of a malformed entry.
   */
  loadUserDict(path: string): void {
    for (const e of readUserDict(path)) this.addWord(e.word, e.freq, e.tag);
  }

  /** finalseg.cut: HMM over ideograph runs, ASCII words/numbers whole, force-split words in chars. */
  #hmmCut(run: string, out: (w: string) => void): void {
    this.#hmm ??= loadHmmModel(this.#hmmModelPath ?? nodejiebaDictFiles().hmmModel);
    const model = this.#hmm;
    const han = (block: string): void =>
      hmmCutHan(model, block, (w) => {
        if (this.#forceSplit.has(w)) for (const ch of w) out(ch);
        else out(w);
      });
    splitHmmBlocks(run, han, out);
  }
}
