// Property tests (fast-check, seeded, time-boxed): random and mutated safetensors, TF checkpoint index and
// PyTorch pickle bytes never crash and never hang; every rejection is a
// Bert4tfjsError naming what is wrong. Random strings through every tokenizer never throw, and stay within
// their promises (WordPiece offsets inside the text; SentencePiece ids decode; jieba words re-join to the text).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import {
  Bert4tfjsError,
  float32ToRaw,
  initBackend,
  listVariables,
  parseSafetensors,
  readTorchBin,
  serializeTorchBin,
  writeTfCheckpoint,
  type NamedTensors,
} from '@bert4tfjs/core';
import { createJiebaPreTokenizer, SentencePieceTokenizer, Tokenizer } from '@bert4tfjs/tokenizers';
import { fixturePath } from './helpers/paths.ts';

const tmp = mkdtempSync(join(tmpdir(), 'b4t-fuzz-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
beforeAll(async () => {
  await initBackend({ backend: 'cpu', quiet: true });
});
/** Each property stops after this long (whatever it reached is checked), so the file stays fast. */
const BUDGET = { seed: 19, numRuns: 300, interruptAfterTimeLimit: 1500, markInterruptAsFailure: false };

/** Runs `f`; passes when it returns or throws a Bert4tfjsError with a message. */
function acceptsOrNames(f: () => unknown): boolean {
  try {
    f();
    return true;
  } catch (err) {
    if (err instanceof Bert4tfjsError && err.message.length > 0) return true;
    throw err;
  }
}

/** Bytes with a few random edits: flips, truncation, insertion. */
function mutated(valid: Uint8Array): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    fc
      .array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 })
      .map((edits) => {
        const b = Uint8Array.from(valid);
        for (const [i, v] of edits) b[i] = v;
        return b;
      }),
    fc.nat(valid.length - 1).map((n) => valid.slice(0, n)),
    fc
      .tuple(fc.nat(valid.length), fc.uint8Array({ minLength: 1, maxLength: 16 }))
      .map(([i, ins]) => Uint8Array.from([...valid.subarray(0, i), ...ins, ...valid.subarray(i)])),
  );
}

const small: NamedTensors = new Map([
  ['a/kernel', float32ToRaw(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3])],
  ['b/bias', float32ToRaw(Float32Array.from([7, 8]), [2])],
]);

describe('checkpoint parsers under random and mutated bytes', () => {
  it('safetensors', () => {
    const valid = readFileSync(fixturePath('bert', 'model.safetensors')).subarray(0, 0);
    const header = Buffer.from(JSON.stringify({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }));
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(header.length));
    const file = Uint8Array.from(Buffer.concat([valid, len, header, Buffer.alloc(8)]));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), mutated(file)), (bytes) =>
        acceptsOrNames(() => parseSafetensors(bytes, 'fuzz.safetensors')),
      ),
      BUDGET,
    );
  });

  it('TF checkpoint index', () => {
    const prefix = writeTfCheckpoint(join(tmp, 'ck', 'model.ckpt'), small);
    const index = readFileSync(`${prefix}.index`);
    const data = readFileSync(`${prefix}.data-00000-of-00001`);
    let k = 0;
    fc.assert(
      fc.property(mutated(Uint8Array.from(index)), (bytes) => {
        const p = join(tmp, `ck${k++ % 4}`);
        writeFileSync(`${p}.index`, bytes);
        writeFileSync(`${p}.data-00000-of-00001`, data);
        return acceptsOrNames(() => listVariables(p));
      }),
      { ...BUDGET, numRuns: 150 },
    );
  });

  it('PyTorch pytorch_model.bin (zip + pickle)', () => {
    const bin = Buffer.concat(serializeTorchBin(small).map((c) => Buffer.from(c)));
    let k = 0;
    fc.assert(
      fc.property(mutated(Uint8Array.from(bin)), (bytes) => {
        const p = join(tmp, `t${k++ % 4}.bin`);
        writeFileSync(p, bytes);
        return acceptsOrNames(() => readTorchBin(p));
      }),
      { ...BUDGET, numRuns: 150 },
    );
  });
});

describe('tokenizers under random strings', () => {
  const wordpiece = Tokenizer.fromVocabFile(fixturePath('tokenizers', 'bert_wordpiece', 'vocab.txt'));
  const sp = SentencePieceTokenizer.fromFile(fixturePath('tokenizers', 'sentencepiece', 'spm.model'), { extraIds: 3 });
  const jieba = createJiebaPreTokenizer({ hmm: false });
  const text = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }));

  it('WordPiece: never throws; offsets lie inside the text', () => {
    fc.assert(
      fc.property(text, text, (a, b) => {
        const enc = wordpiece.encode(a, b);
        wordpiece.decode(enc.inputIds);
        return enc.offsets.every(
          (o) => o === null || (o[0] >= 0 && o[0] <= o[1] && o[1] <= Math.max(a.length, b.length)),
        );
      }),
      BUDGET,
    );
  });

  it('SentencePiece: never throws; every id decodes', () => {
    fc.assert(
      fc.property(text, (s) => {
        const ids = sp.encode(s);
        sp.decode(ids);
        return ids.every((id) => Number.isInteger(id) && id >= 0 && id < sp.vocabSize);
      }),
      BUDGET,
    );
  });

  it('jieba: never throws; its words re-join to the text', () => {
    fc.assert(
      fc.property(text, (s) => jieba(s).join('') === s),
      BUDGET,
    );
  });
});
