/**
 * Loading a BERT `vocab.txt` (one token per line, id = 0-based line number) and bert4keras's "simplified"
 * vocabulary surgery, which drops tokens the tokenizer can never emit.
 */
import { readTextFile, tokenizerFiles } from '../files.ts';
import { isCjkChar, isPunctuationChar } from './chars.ts';
import { TokenizerError } from './errors.ts';

/** A loaded vocabulary. */
export interface Vocab {
  /** Token strings in id order. */
  vocab: string[];
  /** Token -> id. */
  tokenToId: Map<string, number>;
  /**
   * With `simplified`, the ORIGINAL ids of the kept tokens in new-id order (use it to slice a checkpoint's
   * embedding rows: `newEmbedding[i] = oldEmbedding[keepTokens[i]]`); otherwise null.
   */
  keepTokens: number[] | null;
}

/** Options of {@link loadVocab} and {@link vocabFromTokens}. */
export interface VocabOptions {
  /** Drop tokens the tokenizer can never produce (bert4keras `simplified=True`). Default false. */
  simplified?: boolean;
  /** With `simplified`: tokens placed first, in this order, whatever their class (e.g. the special tokens). */
  startsWith?: string[];
}

/** The part of a token after a leading `##` continuation mark. */
export function tokenStem(token: string): string {
  return token.startsWith('##') ? token.slice(2) : token;
}

/**
 * Whether a token can never be produced by the BERT tokenizer: it is longer than one character and its stem
 * holds a CJK ideograph or punctuation, which the basic tokenizer always splits off as single characters.
 */
export function isRedundantToken(token: string): boolean {
  if ([...token].length <= 1) return false;
  for (const ch of tokenStem(token)) {
    if (isCjkChar(ch) || isPunctuationChar(ch)) return true;
  }
  return false;
}

/**
 * Builds a {@link Vocab} from tokens in id order. `where(i)` names token i in error messages
 * (a file line, or an array index).
 */
function buildVocab(tokens: string[], where: (i: number) => string, source: string, options: VocabOptions): Vocab {
  if (tokens.length === 0) throw new TokenizerError(`${source}: the vocabulary is empty (expected one token per line)`);
  const tokenToId = new Map<string, number>();
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (typeof t !== 'string' || t.length === 0) {
      throw new TokenizerError(
        `${where(i)}: blank token; token ids are positions, so a blank entry would shift every later id (expected one non-empty token per line)`,
      );
    }
    const first = tokenToId.get(t);
    if (first !== undefined) {
      throw new TokenizerError(
        `${where(i)}: duplicate token ${JSON.stringify(t)} (first seen at ${where(first)}); every token must be unique`,
      );
    }
    tokenToId.set(t, i);
  }
  if (!options.simplified) return { vocab: tokens.slice(), tokenToId, keepTokens: null };
  return simplify(tokens, tokenToId, options.startsWith ?? [], source);
}

/** bert4keras's vocabulary surgery: `startsWith` first, then every non-redundant token in id order. */
function simplify(tokens: string[], tokenToId: Map<string, number>, startsWith: string[], source: string): Vocab {
  const vocab: string[] = [];
  const newIds = new Map<string, number>();
  const keepTokens: number[] = [];
  const keep = (t: string, oldId: number): void => {
    newIds.set(t, vocab.length);
    vocab.push(t);
    keepTokens.push(oldId);
  };
  for (const t of startsWith) {
    const oldId = tokenToId.get(t);
    if (oldId === undefined) {
      throw new TokenizerError(
        `${source}: startsWith token ${JSON.stringify(t)} is not in the vocabulary (expected tokens the vocab holds, e.g. [PAD], [UNK], [CLS], [SEP], [MASK])`,
      );
    }
    if (!newIds.has(t)) keep(t, oldId);
  }
  tokens.forEach((t, oldId) => {
    if (!newIds.has(t) && !isRedundantToken(t)) keep(t, oldId);
  });
  return { vocab, tokenToId: newIds, keepTokens };
}

/**
 * Builds a vocabulary from an in-memory token list (id = index). Throws {@link TokenizerError} on blank or
 * duplicate tokens.
 */
export function vocabFromTokens(tokens: string[], options: VocabOptions = {}): Vocab {
  if (!Array.isArray(tokens))
    throw new TokenizerError(`vocabFromTokens(tokens): expected an array of token strings, got ${typeof tokens}`);
  return buildVocab(tokens, (i) => `vocabFromTokens: tokens[${i}]`, 'vocabFromTokens(tokens)', options);
}

/**
 * Reads a BERT `vocab.txt`: UTF-8, one token per line, the id is the 0-based line number. LF or CRLF line
 * ends; a UTF-8 BOM and trailing newlines are ignored. Throws {@link TokenizerError} naming the file and line
 * for a missing file, a blank line inside the vocab or a duplicate token.
 */
export function loadVocab(path: string, options: VocabOptions = {}): Vocab {
  let text: string;
  const files = tokenizerFiles('loadVocab');
  try {
    if (!files.isFile(path)) throw Object.assign(new Error('file not found'), { code: 'ENOENT' });
    text = readTextFile(path, 'loadVocab');
  } catch (err) {
    const why = (err as { code?: string }).code === 'ENOENT' ? 'file not found' : (err as Error).message;
    throw new TokenizerError(`vocab file ${path}: ${why} (expected a BERT vocab.txt, one token per line)`);
  }
  return parseVocabText(text, path, options);
}

/**
 * Parses the text of a BERT `vocab.txt` (read from disk, fetched or picked) as {@link loadVocab} does;
 * `where` names it in errors (with the line number).
 */
export function parseVocabText(text: string, where: string, options: VocabOptions = {}): Vocab {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split('\n');
  // Trailing empty lines do not shift any id; drop them (a final newline gives one).
  while (lines.length > 0 && lines[lines.length - 1].replace(/\r$/, '') === '') lines.pop();
  const tokens = lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  return buildVocab(tokens, (i) => `${where}:${i + 1}`, `vocab file ${where}`, options);
}
