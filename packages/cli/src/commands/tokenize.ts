/** `bert4tfjs tokenize`: JSONL texts in, tokens / ids / segment ids / offsets out. */
import { Bert4tfjsError } from '@bert4tfjs/core';
import { Tokenizer } from '@bert4tfjs/tokenizers';
import type { Command } from 'commander';
import { parseJsonl, readInputFile } from '../io/jsonl.ts';
import { prepareOutput, streamOutputFile } from '../io/output-policy.ts';
import { bpeTokenizeRecord } from '../pipeline/bpe-record.ts';
import { loadSentencePieceFromDir, sentencePieceTokenizeRecord } from '../pipeline/sentencepiece-record.ts';
import { loadBpeTokenizerFromDir, loadTokenizerFromDir, preTokenizerByName } from '../pipeline/load.ts';
import { parseIntOption } from './common.ts';

interface TokenizeOptions {
  model?: string;
  vocab?: string;
  lowercase?: boolean;
  maxLength?: string;
  preTokenize?: string;
  input: string;
  output: string;
  force?: boolean;
  quiet?: boolean;
}

/** Registers `tokenize`. */
export function registerTokenize(program: Command): void {
  program
    .command('tokenize')
    .description(
      'tokenize JSONL lines {"text", "text_pair"?} into {"tokens","input_ids","token_type_ids","attention_mask","offsets"}',
    )
    .option(
      '--model <dir>',
      'model directory holding vocab.txt (WordPiece), vocab.json + merges.txt (byte-level BPE) or a SentencePiece .model',
    )
    .option('--vocab <file>', 'a vocab.txt')
    .option('--lowercase', 'lower-case and strip accents (default, or as tokenizer_config.json says)')
    .option('--no-lowercase', 'keep case and accents')
    .option('--max-length <n>', 'truncate pairs longest-first to this many tokens incl. [CLS]/[SEP]')
    .option('--pre-tokenize <name>', "split words first ('jieba' for WoBERT)")
    .requiredOption('--input <file>', 'input JSONL')
    .requiredOption('--output <file>', 'output JSONL')
    .option('--force', 'replace an existing output')
    .option('-q, --quiet', 'accepted as on every command (tokenize reports nothing on stderr)')
    .action(async (opts: TokenizeOptions, cmd: Command) => {
      if (!!opts.model === !!opts.vocab)
        throw new Bert4tfjsError('give exactly one of --model DIR or --vocab FILE', 'bad-argument');
      prepareOutput(opts.output, { flag: '--output', force: opts.force, inputs: [opts.input, opts.model, opts.vocab] });
      const lowercaseSet = cmd.getOptionValueSource('lowercase') === 'cli';
      const preTokenize = opts.preTokenize ? preTokenizerByName(opts.preTokenize) : undefined;
      // A GPT-2 directory (vocab.json + merges.txt, or encoder.json + vocab.bpe) gets its byte-level BPE.
      const bpe = opts.model ? loadBpeTokenizerFromDir(opts.model) : null;
      // A directory with a SentencePiece model (T5 / mT5 spiece.model, ...) and no vocab.txt gets it.
      const sp = opts.model && !bpe ? loadSentencePieceFromDir(opts.model) : null;
      if ((bpe || sp) && (lowercaseSet || opts.preTokenize))
        throw new Bert4tfjsError(
          `${lowercaseSet ? '--lowercase/--no-lowercase' : '--pre-tokenize'} does not apply to the ${bpe ? 'byte-level BPE' : 'SentencePiece'} tokenizer of ${opts.model}`,
          'bad-argument',
        );
      const tokenizer =
        bpe || sp
          ? null
          : opts.model
            ? loadTokenizerFromDir(opts.model, {
                ...(lowercaseSet ? { lowercase: opts.lowercase } : {}),
                ...(preTokenize ? { preTokenize } : {}),
              })
            : Tokenizer.fromVocabFile(opts.vocab!, { lowercase: opts.lowercase ?? true, preTokenize });
      const maxLength = opts.maxLength === undefined ? undefined : parseIntOption(opts.maxLength, '--max-length', 2);
      const records = parseJsonl(readInputFile(opts.input), opts.input);
      await streamOutputFile(opts.output, (write) => {
        for (const { line, value } of records) {
          if (typeof value.text !== 'string')
            throw new Bert4tfjsError(`${opts.input}:${line}: "text" must be a string`, 'bad-input');
          if (value.text_pair !== undefined && value.text_pair !== null && typeof value.text_pair !== 'string') {
            throw new Bert4tfjsError(`${opts.input}:${line}: "text_pair" must be a string`, 'bad-input');
          }
          if (bpe) {
            write(`${JSON.stringify(bpeTokenizeRecord(bpe, value, `${opts.input}:${line}`, maxLength))}\n`);
            continue;
          }
          if (sp) {
            write(`${JSON.stringify(sentencePieceTokenizeRecord(sp, value, `${opts.input}:${line}`, maxLength))}\n`);
            continue;
          }
          const enc = tokenizer!.encode(
            value.text,
            (value.text_pair as string | undefined) ?? undefined,
            maxLength ? { maxLength } : { truncation: false },
          );
          write(
            `${JSON.stringify({
              tokens: enc.tokens,
              input_ids: enc.inputIds,
              token_type_ids: enc.tokenTypeIds,
              attention_mask: enc.inputIds.map(() => 1),
              // Special tokens cover no text: [0, 0], as Hugging Face's fast tokenizers give them.
              offsets: enc.offsets.map((o) => o ?? [0, 0]),
            })}\n`,
          );
        }
      });
    });
}
