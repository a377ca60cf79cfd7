/**
 * Where nodejieba 3.5.8 keeps its data files. We only read its text files (dictionary, user dictionary,
 * HMM model); the native binding is never loaded, so segmentation works wherever the package is installed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { TokenizerError } from '../wordpiece/errors.ts';

/** Absolute paths of the data files bundled with the installed nodejieba package. */
export interface NodejiebaDictFiles {
  /** Main dictionary, `word freq tag` per line (`jieba.dict.utf8`). */
  readonly dict: string;
  /** User dictionary nodejieba loads by default (`user.dict.utf8`: 云计算, 韩玉鉴赏, 蓝翔, 区块链). */
  readonly userDict: string;
  /** HMM model for new-word finding (`hmm_model.utf8`, cppjieba text format). */
  readonly hmmModel: string;
}

let cached: NodejiebaDictFiles | undefined;

/**
 * Finds nodejieba's bundled dictionary files by resolving the package from this module.
 * @throws TokenizerError when nodejieba is not installed or its dict folder is missing.
 */
export function nodejiebaDictFiles(): NodejiebaDictFiles {
  if (cached !== undefined) return cached;
  let main: string;
  try {
    main = createRequire(import.meta.url).resolve('nodejieba');
  } catch (err) {
    throw new TokenizerError(
      `cannot resolve the nodejieba package from ${import.meta.url}: it supplies the default jieba ` +
        `dictionary; install nodejieba 3.5.8 or pass dictPath/hmmModelPath explicitly (${String(err)})`,
    );
  }
  const dir = join(dirname(main), 'submodules', 'cppjieba', 'dict');
  const files: NodejiebaDictFiles = {
    dict: join(dir, 'jieba.dict.utf8'),
    userDict: join(dir, 'user.dict.utf8'),
    hmmModel: join(dir, 'hmm_model.utf8'),
  };
  for (const path of Object.values(files)) {
    if (!existsSync(path)) {
      throw new TokenizerError(
        `nodejieba is installed but ${path} is missing: expected its bundled cppjieba dictionary`,
      );
    }
  }
  cached = files;
  return files;
}

/**
 * Reads the text file at `path` and parses it, once per process: results are kept in `cache` by absolute path.
 * @throws TokenizerError naming `what` and the file when it cannot be read (and whatever `parse` throws).
 */
export function loadDataFileOnce<T>(
  cache: Map<string, T>,
  path: string,
  what: string,
  parse: (text: string, abs: string) => T,
): T {
  const abs = resolve(path);
  const hit = cache.get(abs);
  if (hit !== undefined) return hit;
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    throw new TokenizerError(`cannot read ${what} ${abs}: ${String(err)}`);
  }
  const value = parse(text, abs);
  cache.set(abs, value);
  return value;
}
