/** One `tokenize` output line for a byte-level BPE (GPT-2) tokenizer: no [CLS]/[SEP], no segments. */
import { Bert4tfjsError } from '@bert4tfjs/core';
import type { ByteLevelBpeTokenizer } from '@bert4tfjs/tokenizers';

/** `tokenize`'s record for `value.text`: byte-symbol tokens, ids, attention mask, UTF-16 offsets (cut to `maxLength` ids). */
export function bpeTokenizeRecord(
  tokenizer: ByteLevelBpeTokenizer,
  value: Record<string, unknown>,
  where: string,
  maxLength?: number,
): { tokens: string[]; input_ids: number[]; attention_mask: number[]; offsets: Array<[number, number]> } {
  if (value.text_pair !== undefined && value.text_pair !== null) {
    throw new Bert4tfjsError(
      `${where}: "text_pair" is not supported by a byte-level BPE (GPT-2) tokenizer`,
      'bad-input',
    );
  }
  const enc = tokenizer.encodeWithOffsets(value.text as string);
  const n = maxLength === undefined ? enc.ids.length : Math.min(maxLength, enc.ids.length);
  return {
    tokens: enc.tokens.slice(0, n),
    input_ids: enc.ids.slice(0, n),
    attention_mask: enc.ids.slice(0, n).map(() => 1),
    offsets: enc.offsets.slice(0, n),
  };
}
