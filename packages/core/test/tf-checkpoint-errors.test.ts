/**
 * Bad input, each on copies in a temp dir: every failure is a Bert4tfjsError whose message names the
 * file or tensor at fault.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Bert4tfjsError } from '../src/errors.ts';
import {
  TfCheckpointReader,
  listVariables,
  loadVariable,
  readTfCheckpoint,
  writeTfCheckpoint,
} from '../src/io/tf-checkpoint/index.ts';
import { crc32cExtend, maskCrc } from '../src/io/tf-checkpoint/crc32c.ts';
import { buildTable } from '../src/io/tf-checkpoint/sstable-writer.ts';
import { parseBlock, readBlock } from '../src/io/tf-checkpoint/sstable-reader.ts';
import { decodeFooter, readBlockHandle } from '../src/io/tf-checkpoint/sstable-format.ts';
import { encodeHeader } from '../src/io/tf-checkpoint/bundle-proto.ts';
import { sharedAvailable, sharedPath } from '../../../test/helpers/paths.ts';

const tmp = mkdtempSync(join(tmpdir(), 'b4t-tfckpt-err-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let copies = 0;

/** Copies the GPT-2 toy checkpoint into a fresh temp dir; returns its prefix there. */
function copyGpt2(): string {
  const dir = join(tmp, `c${copies++}`);
  mkdirSync(dir);
  for (const f of ['model.ckpt.index', 'model.ckpt.data-00000-of-00001']) {
    copyFileSync(sharedPath('fixtures/real/keras-gpt2-toy', f), join(dir, f));
  }
  return join(dir, 'model.ckpt');
}

function gpt2Manifest(): Array<{ name: string; offset: number; size: number }> {
  return JSON.parse(readFileSync(sharedPath('fixtures/real/keras-gpt2-toy/model.ckpt.manifest.json'), 'utf8')).tensors;
}

/** Runs `fn`, expecting a Bert4tfjsError; returns it. */
function failure(fn: () => unknown): Bert4tfjsError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(Bert4tfjsError);
    return err as Bert4tfjsError;
  }
  throw new Error('expected a Bert4tfjsError, nothing was thrown');
}

describe.skipIf(!sharedAvailable('fixtures/real/keras-gpt2-toy'))('bad TensorFlow checkpoints', () => {
  it('a truncated .index is refused, naming the file', () => {
    for (const keep of [0.5, 0.9]) {
      const prefix = copyGpt2();
      const bytes = readFileSync(`${prefix}.index`);
      writeFileSync(`${prefix}.index`, bytes.subarray(0, Math.floor(bytes.length * keep)));
      expect(failure(() => listVariables(prefix)).message).toContain(`${prefix}.index`);
    }
    const prefix = copyGpt2();
    writeFileSync(`${prefix}.index`, new Uint8Array(20));
    expect(failure(() => listVariables(prefix)).message).toMatch(/model\.ckpt\.index: 20 bytes is too short/);
  });

  it('a wrong magic number is refused', () => {
    const prefix = copyGpt2();
    const bytes = readFileSync(`${prefix}.index`);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(`${prefix}.index`, bytes);
    const err = failure(() => TfCheckpointReader.open(prefix));
    expect(err.message).toMatch(/bad table magic .*expected 0xdb4775248b80fb57/);
    expect(err.message).toContain(`${prefix}.index`);
  });

  it("a flipped byte inside an index block fails that block's CRC", () => {
    const prefix = copyGpt2();
    const bytes = readFileSync(`${prefix}.index`);
    bytes[30] ^= 0x01; // inside the first data block (the footer and index block sit at the end)
    writeFileSync(`${prefix}.index`, bytes);
    expect(failure(() => listVariables(prefix)).code).toBe('bad-crc');
  });

  it('a flipped byte in the data shard names the tensor and shard; other tensors still load', () => {
    const prefix = copyGpt2();
    const [victim, other] = gpt2Manifest().slice(1, 3);
    const shard = `${prefix}.data-00000-of-00001`;
    const data = readFileSync(shard);
    data[victim.offset + Math.floor(victim.size / 2)] ^= 0x10;
    writeFileSync(shard, data);
    const err = failure(() => readTfCheckpoint(prefix));
    expect(err.code).toBe('bad-crc');
    expect(err.message).toContain(`"${victim.name}"`);
    expect(err.message).toContain(shard);
    expect(loadVariable(prefix, other.name).shape.length).toBeGreaterThan(0);
  });

  it('a missing data shard is named', () => {
    const prefix = copyGpt2();
    rmSync(`${prefix}.data-00000-of-00001`);
    expect(listVariables(prefix).length).toBe(gpt2Manifest().length); // the index alone still lists
    const err = failure(() => readTfCheckpoint(prefix));
    expect(err.message).toContain(`${prefix}.data-00000-of-00001`);
    expect(err.code).toBe('not-found');
  });

  it('a truncated data shard names the tensor that runs past its end', () => {
    const prefix = copyGpt2();
    const shard = `${prefix}.data-00000-of-00001`;
    const last = [...gpt2Manifest()].sort((a, b) => b.offset - a.offset)[0];
    writeFileSync(shard, readFileSync(shard).subarray(0, last.offset + 1));
    expect(failure(() => readTfCheckpoint(prefix)).message).toMatch(new RegExp(`"${last.name}".*truncated`));
  });

  it('an unknown dtype enum names the tensor and the value', () => {
    const prefix = copyGpt2();
    const bytes = readFileSync(`${prefix}.index`);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // Locate the entry of the first tensor: its key is stored whole (a restart point) and its value
    // starts with field 1 (tag 0x08) = dtype 1.
    const name = gpt2Manifest()[0].name;
    const at = bytes.indexOf(Buffer.from(name)) + name.length;
    expect([bytes[at], bytes[at + 1]]).toEqual([0x08, 0x01]);
    bytes[at + 1] = 99;
    // Re-seal the data block holding it (its trailer CRC covers the contents plus the type byte), so
    // the dtype check, not the block CRC, is what fires.
    const { index } = decodeFooter(bytes, 'copy');
    const blocks = parseBlock(readBlock(bytes, index, 'copy'), 'copy').map(
      (e) => readBlockHandle(e.value, 0, 'copy').handle,
    );
    const block = blocks.find((h) => h.offset <= at && at < h.offset + h.size)!;
    const end = block.offset + block.size;
    expect(bytes[end]).toBe(0); // uncompressed
    const crc = crc32cExtend(crc32cExtend(0, bytes.subarray(block.offset, end)), bytes.subarray(end, end + 1));
    dv.setUint32(end + 1, maskCrc(crc), true);
    writeFileSync(`${prefix}.index`, bytes);
    const err = failure(() => listVariables(prefix));
    expect(err.message).toContain(`"${name}"`);
    expect(err.message).toMatch(/unknown TensorFlow dtype enum 99/);
    // Other tensors are unaffected.
    expect(loadVariable(prefix, gpt2Manifest()[1].name).dtype).toBe('F32');
  });
});

describe('malformed bundle entries and paths', () => {
  /** Writes an index holding the header and one entry with the given encoded value. */
  function indexWith(value: number[]): string {
    const dir = join(tmp, `e${copies++}`);
    mkdirSync(dir);
    const key = new TextEncoder().encode('w');
    writeFileSync(
      join(dir, 'm.ckpt.index'),
      buildTable([
        { key: new Uint8Array(0), value: encodeHeader(1) },
        { key, value: Uint8Array.from(value) },
      ]),
    );
    writeFileSync(join(dir, 'm.ckpt.data-00000-of-00001'), new Uint8Array(0));
    return join(dir, 'm.ckpt');
  }

  it('refuses a sliced (partitioned) tensor', () => {
    // dtype 1, empty shape, one empty TensorSliceProto in field 7.
    const prefix = indexWith([0x08, 0x01, 0x12, 0x00, 0x3a, 0x00]);
    expect(failure(() => listVariables(prefix)).message).toMatch(/"w".*1 slices/);
  });

  it('refuses an entry that is not a valid protobuf, naming it', () => {
    const prefix = indexWith([0x08]);
    expect(failure(() => listVariables(prefix)).message).toMatch(/entry "w": not a valid BundleEntryProto/);
  });

  it('refuses an index entry whose size does not match dtype and shape', () => {
    // dtype F32, shape [2] (dim size 2), size 4.
    const prefix = indexWith([0x08, 0x01, 0x12, 0x04, 0x12, 0x02, 0x08, 0x02, 0x28, 0x04]);
    expect(failure(() => loadVariable(prefix, 'w')).message).toMatch(/"w".*needs 8 bytes but the index says 4/);
    expect(failure(() => loadVariable(prefix, 'nope')).code).toBe('missing-tensor');
  });

  it('says clearly when a path holds no checkpoint, or several', () => {
    expect(failure(() => listVariables(join(tmp, 'nothing-here'))).message).toMatch(
      /no TensorFlow checkpoint at .*nothing-here/,
    );
    const dir = join(tmp, 'two');
    writeTfCheckpoint(join(dir, 'a.ckpt'), new Map());
    writeTfCheckpoint(join(dir, 'b.ckpt'), new Map());
    expect(failure(() => listVariables(dir)).message).toMatch(/2 checkpoints \(a\.ckpt\.index, b\.ckpt\.index\)/);
    // A `checkpoint` state file picks one, even when it names a path from another machine.
    writeFileSync(join(dir, 'checkpoint'), 'model_checkpoint_path: "/elsewhere/train/b.ckpt"\n');
    expect(TfCheckpointReader.open(dir).prefix).toBe(join(dir, 'b.ckpt'));
  });
});
