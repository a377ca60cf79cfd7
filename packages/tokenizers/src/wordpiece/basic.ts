/**
 * BERT's basic tokenizer (clean, split CJK, lower-case + strip accents, split punctuation), keeping for every
 * output character the UTF-16 span of the ORIGINAL character it came from, so offsets stay exact even when
 * lower-casing or accent stripping changes the length.
 */
import { charClass, CJK, CONTROL, MARK_NONSPACING, PUNCT, WHITESPACE } from './chars.ts';

/** One basic token: normalized code points, each with the original span it came from. */
export interface BasicToken {
  /** Normalized characters (one code point each). */
  chars: string[];
  /** `starts[k]`, `ends[k]`: UTF-16 span in the original text of the character `chars[k]` came from. */
  starts: number[];
  ends: number[];
  /** A special token written in the text ([CLS], [MASK] ...): kept whole and not normalized. */
  special: boolean;
}

/** Options of {@link basicTokenize}. */
export interface BasicOptions {
  /** Lower-case and strip accents (NFD, drop Mn), as BERT uncased / Chinese. */
  lowercase: boolean;
  /** Tokens kept whole when a whitespace-delimited word equals one of them (never lower-cased). */
  specials: ReadonlySet<string>;
}

/** One-character strings of ASCII, and their lower-cased singleton arrays, shared to spare allocations. */
const ASCII = Array.from({ length: 128 }, (_, c) => String.fromCharCode(c));
const ASCII_LOWER: ReadonlyArray<readonly string[]> = ASCII.map((ch, c) => [c >= 65 && c <= 90 ? ASCII[c + 32] : ch]);

/** BMP code point -> its one-character string, filled on first use (spares a String.fromCodePoint per char). */
const BMP_CHARS: Array<string | undefined> = new Array(0x10000);
/** BMP code point -> {@link lowerStrip}'s result, filled on first use (toLowerCase + NFD cost far more than a look-up). */
const BMP_LOWER: Array<readonly string[] | undefined> = new Array(0x10000);

/** The one-character string of a code point, shared for the BMP. */
function charOf(cp: number): string {
  if (cp < 0x80) return ASCII[cp];
  if (cp > 0xffff) return String.fromCodePoint(cp);
  let ch = BMP_CHARS[cp];
  if (ch === undefined) {
    ch = String.fromCharCode(cp);
    BMP_CHARS[cp] = ch;
  }
  return ch;
}

/** A run of original characters between separators. */
interface RawWord {
  cps: string[];
  starts: number[];
  ends: number[];
}

/**
 * Splits `text[from, to)` into raw words on whitespace and (when `splitCjk`) around CJK ideographs,
 * dropping control chars.
 */
function rawWords(text: string, from: number, to: number, splitCjk = true): RawWord[] {
  const words: RawWord[] = [];
  let cur: RawWord = { cps: [], starts: [], ends: [] };
  const flush = (): void => {
    // A fresh word only after a non-empty one: CJK text flushes at every character.
    if (cur.cps.length === 0) return;
    words.push(cur);
    cur = { cps: [], starts: [], ends: [] };
  };
  let i = from;
  while (i < to) {
    const cp = text.codePointAt(i) as number;
    // A surrogate pair must not be cut by `to`; a lone surrogate is one unit (and a control char).
    const width = cp > 0xffff && i + 1 < to ? 2 : 1;
    const unit = width === 2 ? cp : text.charCodeAt(i);
    const cls = charClass(unit);
    if (cls & WHITESPACE) {
      flush();
    } else if (unit === 0 || unit === 0xfffd || cls & CONTROL) {
      // Dropped without splitting the word, as BERT's _clean_text does.
    } else if (splitCjk && cls & CJK) {
      flush();
      words.push({ cps: [charOf(unit)], starts: [i], ends: [i + width] });
    } else {
      cur.cps.push(charOf(unit));
      cur.starts.push(i);
      cur.ends.push(i + width);
    }
    i += width;
  }
  flush();
  return words;
}

/** Lower-cases and strips accents of one code point; returns 0..n code points. */
export function lowerStrip(ch: string): readonly string[] {
  const c = ch.charCodeAt(0);
  if (c < 0x80) return ASCII_LOWER[c];
  if (ch.length === 1) {
    const cached = BMP_LOWER[c];
    if (cached !== undefined) return cached;
    const out = lowerStripSlow(ch);
    BMP_LOWER[c] = out;
    return out;
  }
  return lowerStripSlow(ch);
}

/** {@link lowerStrip} computed: per code point, like HF's tokenize() which lower-cases character by character (so no final-sigma rule). */
function lowerStripSlow(ch: string): readonly string[] {
  const out: string[] = [];
  for (const d of ch.toLowerCase().normalize('NFD')) {
    if (!(charClass(d.codePointAt(0) as number) & MARK_NONSPACING)) out.push(d);
  }
  return out;
}

/**
 * Normalizes text the way the tokenizer sees it (control chars dropped, lower-cased + accent-stripped when
 * `lowercase`), without splitting words; whitespace runs become one space and the ends are trimmed. Used
 * to compare a token with the text its offsets point at (and to look up whole words for `preTokenize`).
 */
export function normalizeText(text: string, lowercase: boolean): string {
  const out: string[] = [];
  let space = false;
  for (const w of rawWords(text, 0, text.length, false)) {
    if (w.cps.length === 0) continue;
    if (space) out.push(' ');
    for (const ch of w.cps) out.push(...(lowercase ? lowerStrip(ch) : [ch]));
    space = true;
  }
  return out.join('');
}

/** Whether normalizing leaves every character of a word as it is and none of them is punctuation. */
function unchangedWord(cps: string[], lowercase: boolean): boolean {
  for (const ch of cps) {
    if (charClass(ch.codePointAt(0) as number) & PUNCT) return false;
    if (lowercase) {
      const normalized = lowerStrip(ch);
      if (normalized.length !== 1 || normalized[0] !== ch) return false;
    }
  }
  return true;
}

/**
 * Runs BERT's basic tokenizer over `text[from, to)`. Every output character carries the span of its source
 * character, so a token's span is `[starts[0], ends[last])`.
 */
export function basicTokenize(text: string, options: BasicOptions, from = 0, to = text.length): BasicToken[] {
  const out: BasicToken[] = [];
  for (const w of rawWords(text, from, to)) {
    if (options.specials.size > 0 && options.specials.has(w.cps.join(''))) {
      out.push({ chars: [w.cps.join('')], starts: [w.starts[0]], ends: [w.ends[w.ends.length - 1]], special: true });
      continue;
    }
    if (unchangedWord(w.cps, options.lowercase)) {
      // Nothing to lower-case, strip or split off: the raw word is the token (the common case for CJK).
      out.push({ chars: w.cps, starts: w.starts, ends: w.ends, special: false });
      continue;
    }
    let cur: BasicToken = { chars: [], starts: [], ends: [], special: false };
    const flush = (): void => {
      if (cur.chars.length > 0) out.push(cur);
      cur = { chars: [], starts: [], ends: [], special: false };
    };
    let last: BasicToken | null = null; // holder of this word's latest output char
    for (let k = 0; k < w.cps.length; k++) {
      const normalized = options.lowercase ? lowerStrip(w.cps[k]) : [w.cps[k]];
      // A stripped accent (e.g. the U+0301 of "e\u0301") joins the span of the character before it.
      if (normalized.length === 0 && last !== null) last.ends[last.ends.length - 1] = w.ends[k];
      for (const ch of normalized) {
        if (charClass(ch.codePointAt(0) as number) & PUNCT) {
          flush();
          last = { chars: [ch], starts: [w.starts[k]], ends: [w.ends[k]], special: false };
          out.push(last);
        } else {
          last = cur;
          cur.chars.push(ch);
          cur.starts.push(w.starts[k]);
          cur.ends.push(w.ends[k]);
        }
      }
    }
    flush();
  }
  return out;
}
