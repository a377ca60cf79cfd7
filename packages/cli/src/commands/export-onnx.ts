/**
 * `export --to onnx`: a model directory written in the layout @xenova/transformers (and Hugging Face's
 * ONNX tooling) load offline — config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx —
 * built atomically, so a failed export leaves nothing behind.
 */
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeDirAtomic } from '@bert4tfjs/core';
import { buildOnnxModel } from '@bert4tfjs/models';
import { wordPieceTokenizerConfig, wordPieceTokenizerJson } from '@bert4tfjs/tokenizers';
import { openModel, readTokenizerSettings } from '../pipeline/load.ts';

/** Options of {@link exportOnnxDirectory}. */
export interface ExportOnnxOptions {
  /** Replace `outDir` when it exists. */
  force?: boolean;
}

/** What {@link exportOnnxDirectory} wrote. */
export interface ExportOnnxResult {
  outDir: string;
  family: string;
  /** Files written, relative to outDir. */
  files: string[];
  outputs: string[];
  parameters: number;
  /** Things the user must know (e.g. WoBERT's jieba pre-tokenization is not in tokenizer.json). */
  notes: string[];
}

/** The note written beside a model whose tokenizer runs a word pre-tokenizer tokenizer.json cannot express. */
export const PRE_TOKENIZE_NOTE_FILE = 'BERT4TFJS-PRETOKENIZE.md';

function preTokenizeNote(name: string): string {
  return [
    `# Pre-tokenization required: ${name}`,
    '',
    `This model's vocabulary holds whole words found by ${name} (WoBERT-style), and no tokenizer.json setting can`,
    `express ${name}. tokenizer.json here is plain BERT WordPiece, so text given to it directly is split into`,
    'characters and sub-words the model was not trained on.',
    '',
    `Feed pre-tokenized text: run ${name} (python jieba \`cut(s, HMM=False)\`, or bert4tfjs's tokenizer with`,
    `\`pre_tokenize: "${name}"\`) and join the words with spaces before calling the tokenizer, or give input_ids`,
    'computed by bert4tfjs.',
    '',
  ].join('\n');
}

/** Hugging Face base-model class written in config.json `architectures` (BERT-layout families: BertModel). */
const BASE_MODEL_CLASS: Record<string, string> = {
  albert: 'AlbertModel',
  electra: 'ElectraModel',
  roberta: 'RobertaModel',
};

/**
 * Exports the model in `modelDir` to `outDir`: config.json, onnx/model.onnx (encoder + pooler, opset 17),
 * and tokenizer.json + tokenizer_config.json + vocab.txt when the model has a vocab.txt. WoBERT-style models get a
 * note file saying that text must be pre-tokenized with jieba.
 */
export async function exportOnnxDirectory(
  modelDir: string,
  outDir: string,
  options: ExportOnnxOptions = {},
): Promise<ExportOnnxResult> {
  const settings = readTokenizerSettings(modelDir);
  const { built, tokenizer, maxPositions } = openModel(modelDir);
  let onnx: ReturnType<typeof buildOnnxModel>;
  try {
    onnx = buildOnnxModel(built, { metadata: { source: 'bert4tfjs export --to onnx' } });
  } finally {
    built.model.dispose();
  }
  const { bytes, outputNames, parameters } = onnx;
  const notes: string[] = [];
  const preTokenize = settings.preTokenize ?? (built.family === 'wobert' ? 'jieba' : null);
  if (preTokenize)
    notes.push(`${preTokenize} pre-tokenization is not part of tokenizer.json; see ${PRE_TOKENIZE_NOTE_FILE}`);
  if (!tokenizer) notes.push(`${modelDir} has no vocab.txt: no tokenizer.json written (feed input_ids)`);
  const files: string[] = [];
  await writeDirAtomic(
    outDir,
    (tmp) => {
      const put = (name: string, data: string | Uint8Array) => {
        writeFileSync(join(tmp, name), data);
        files.push(name);
      };
      // config.json as Hugging Face writes it; model_type stays 'bert'/'albert' so xenova picks the right class.
      put(
        'config.json',
        `${JSON.stringify(
          { ...built.rawConfig, architectures: [BASE_MODEL_CLASS[built.family] ?? 'BertModel'] },
          null,
          2,
        )}\n`,
      );
      mkdirSync(join(tmp, 'onnx'));
      put(join('onnx', 'model.onnx'), bytes);
      if (tokenizer) {
        put('tokenizer.json', `${JSON.stringify(wordPieceTokenizerJson(tokenizer))}\n`);
        const cfg = {
          ...wordPieceTokenizerConfig(tokenizer, { modelMaxLength: maxPositions }),
          ...(preTokenize ? { pre_tokenize: preTokenize } : {}),
        };
        put('tokenizer_config.json', `${JSON.stringify(cfg, null, 2)}\n`);
      }
      // vocab.txt too, for tools that read BertTokenizer's slow format.
      if (existsSync(join(modelDir, 'vocab.txt'))) {
        copyFileSync(join(modelDir, 'vocab.txt'), join(tmp, 'vocab.txt'));
        files.push('vocab.txt');
      }
      if (preTokenize) put(PRE_TOKENIZE_NOTE_FILE, preTokenizeNote(preTokenize));
    },
    { force: options.force },
  );
  return { outDir, family: built.family, files, outputs: outputNames, parameters, notes };
}
