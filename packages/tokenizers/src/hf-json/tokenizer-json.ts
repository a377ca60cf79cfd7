/**
 * Our WordPiece settings written as Hugging Face `tokenizers` files: tokenizer.json (normalizer,
 * pre-tokenizer, model, post-processor, decoder, added tokens) and tokenizer_config.json, so
 * @xenova/transformers and Hugging Face fast tokenizers give the same ids as {@link Tokenizer}.
 * A custom pre-tokenizer (jieba for WoBERT) has no tokenizer.json form; callers must say so.
 */
import { TokenizerError } from '../wordpiece/errors.ts';
import type { Tokenizer } from '../wordpiece/tokenizer.ts';

/** One entry of tokenizer.json `added_tokens`. */
export interface HfAddedToken {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}

/** A TemplateProcessing piece: a special token or sequence A/B, each with its type id. */
export type HfTemplatePiece =
  | { SpecialToken: { id: string; type_id: number } }
  | { Sequence: { id: 'A' | 'B'; type_id: number } };

/** The tokenizer.json document for a BERT WordPiece tokenizer. */
export interface HfTokenizerJson {
  version: '1.0';
  truncation: null;
  padding: null;
  added_tokens: HfAddedToken[];
  normalizer: {
    type: 'BertNormalizer';
    clean_text: boolean;
    handle_chinese_chars: boolean;
    strip_accents: boolean | null;
    lowercase: boolean;
  };
  pre_tokenizer: { type: 'BertPreTokenizer' };
  post_processor: {
    type: 'TemplateProcessing';
    single: HfTemplatePiece[];
    pair: HfTemplatePiece[];
    special_tokens: Record<string, { id: string; ids: number[]; tokens: string[] }>;
  };
  decoder: { type: 'WordPiece'; prefix: string; cleanup: boolean };
  model: {
    type: 'WordPiece';
    unk_token: string;
    continuing_subword_prefix: string;
    max_input_chars_per_word: number;
    vocab: Record<string, number>;
  };
}

/** Options of {@link wordPieceTokenizerJson} and {@link wordPieceTokenizerConfig}. */
export interface HfTokenizerExportOptions {
  /** Extra special tokens the Tokenizer was built with (`TokenizerOptions.specialTokens`). */
  specialTokens?: string[];
  /** `TokenizerOptions.maxInputCharsPerWord`. Default 100. */
  maxInputCharsPerWord?: number;
  /** tokenizer_config.json `model_max_length` (the model's max_position_embeddings). Default 512. */
  modelMaxLength?: number;
}

/** The vocabulary as token -> id; a token listed twice maps to the id our Tokenizer gives it. */
function vocabObject(tok: Tokenizer): Record<string, number> {
  // Through a Map and fromEntries so a token such as "__proto__" stays an ordinary key.
  const vocab = new Map<string, number>();
  for (let id = 0; id < tok.vocabSize; id++) {
    const t = tok.idToToken(id);
    if (!vocab.has(t)) vocab.set(t, tok.tokenToId(t));
  }
  return Object.fromEntries(vocab);
}

/** The special tokens present in the vocabulary, in id order. */
function specialTokens(tok: Tokenizer, extra: string[]): Array<{ content: string; id: number }> {
  const names = [tok.padToken, tok.unkToken, tok.clsToken, tok.sepToken, tok.maskToken, ...extra];
  const seen = new Map<string, number>();
  for (const n of names) {
    if (seen.has(n)) continue;
    const id = tok.tokenToId(n);
    if (id === tok.unkTokenId && n !== tok.unkToken) {
      if (extra.includes(n))
        throw new TokenizerError(`tokenizer.json export: special token ${JSON.stringify(n)} is not in the vocabulary`);
      continue; // e.g. a vocab without [MASK]
    }
    seen.set(n, id);
  }
  return [...seen].map(([content, id]) => ({ content, id })).sort((a, b) => a.id - b.id);
}

/** tokenizer.json for `tok`: BertNormalizer + BertPreTokenizer + WordPiece + [CLS] $A [SEP] ($B [SEP]). */
export function wordPieceTokenizerJson(tok: Tokenizer, options: HfTokenizerExportOptions = {}): HfTokenizerJson {
  const cls = tok.clsToken;
  const sep = tok.sepToken;
  const special = (id: string, type_id: number): HfTemplatePiece => ({ SpecialToken: { id, type_id } });
  const seq = (id: 'A' | 'B', type_id: number): HfTemplatePiece => ({ Sequence: { id, type_id } });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    // normalized: false — special tokens are matched in the raw text, before lower-casing.
    added_tokens: specialTokens(tok, options.specialTokens ?? []).map(({ content, id }) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    // strip_accents null = strip exactly when lower-casing, as BERT's basic tokenizer does.
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: tok.lowercase,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [special(cls, 0), seq('A', 0), special(sep, 0)],
      pair: [special(cls, 0), seq('A', 0), special(sep, 0), seq('B', 1), special(sep, 1)],
      special_tokens: {
        [cls]: { id: cls, ids: [tok.clsTokenId], tokens: [cls] },
        [sep]: { id: sep, ids: [tok.sepTokenId], tokens: [sep] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: tok.unkToken,
      continuing_subword_prefix: '##',
      max_input_chars_per_word: options.maxInputCharsPerWord ?? 100,
      vocab: vocabObject(tok),
    },
  };
}

/** tokenizer_config.json for `tok` (a BertTokenizer config: lower-casing, special tokens, max length). */
export function wordPieceTokenizerConfig(
  tok: Tokenizer,
  options: HfTokenizerExportOptions = {},
): Record<string, unknown> {
  const hasMask = tok.maskTokenId !== undefined;
  return {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: tok.lowercase,
    tokenize_chinese_chars: true,
    strip_accents: null,
    model_max_length: options.modelMaxLength ?? 512,
    unk_token: tok.unkToken,
    cls_token: tok.clsToken,
    sep_token: tok.sepToken,
    pad_token: tok.padToken,
    ...(hasMask ? { mask_token: tok.maskToken } : {}),
    ...(options.specialTokens?.length ? { additional_special_tokens: options.specialTokens } : {}),
    clean_up_tokenization_spaces: true,
  };
}
