/**
 * GPT-2's pre-tokenization: the regex OpenAI's encoder splits text with before BPE,
 * `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`, with Python `regex`'s
 * `\s` (Unicode White_Space). JavaScript's `\s` differs (it has U+FEFF and lacks U+0085), so the class is
 * spelled out.
 */

/** Unicode White_Space, as Python's `regex` module matches `\s`. */
const WS = String.raw`\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000`;

/** The GPT-2 split pattern (global, Unicode). */
export const GPT2_SPLIT_PATTERN = new RegExp(
  String.raw`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^${WS}\p{L}\p{N}]+|[${WS}]+(?![^${WS}])|[${WS}]+`,
  'gu',
);

/** The pieces GPT-2's regex splits `text` into, in order; they concatenate back to `text`. */
export function gpt2PreTokenize(text: string): string[] {
  return text.match(GPT2_SPLIT_PATTERN) ?? [];
}
