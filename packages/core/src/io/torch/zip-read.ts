/**
 * Random-access reader for the zip container of torch.save files. Only the central directory is read
 * up front; each entry is read (and CRC-checked) when asked for, so multi-GB checkpoints never sit in
 * memory twice. Stored entries are read as-is, deflated ones inflated with fflate. Zip64 is supported.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { inflateSync } from 'fflate';
import { Bert4tfjsError } from '../../errors.ts';
import { crc32 } from './crc32.ts';

/** One file in the archive, as the central directory describes it. */
export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  crc: number;
  localHeaderOffset: number;
}

const SIG_EOCD = 0x06054b50;
const SIG_Z64_LOCATOR = 0x07064b50;
const SIG_Z64_EOCD = 0x06064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;
const U32_MAX = 0xffffffff;
const READ_CHUNK = 1 << 30;

/** An open zip archive; call {@link ZipReader.close} when done. */
export class ZipReader {
  readonly entries = new Map<string, ZipEntry>();
  private readonly fd: number;
  private readonly size: number;

  /** Opens `path` and reads its central directory; errors name the file. */
  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, 'r');
    } catch (err) {
      throw new Bert4tfjsError(`${path}: cannot open (${(err as Error).message})`, 'bad-file', { cause: err });
    }
    try {
      this.size = fstatSync(this.fd).size;
      this.readCentralDirectory();
    } catch (err) {
      closeSync(this.fd);
      throw err;
    }
  }

  private fail(msg: string): never {
    throw new Bert4tfjsError(`${this.path}: ${msg}`, 'bad-file');
  }

  /** Reads `n` bytes at `pos`, failing if the file ends first. */
  readAt(pos: number, n: number, what: string): Uint8Array {
    if (pos < 0 || pos + n > this.size) this.fail(`${what} lies beyond the end of the file (file truncated?)`);
    const out = new Uint8Array(n);
    let off = 0;
    while (off < n) {
      const got = readSync(this.fd, out, off, Math.min(READ_CHUNK, n - off), pos + off);
      if (got === 0) this.fail(`${what}: unexpected end of file`);
      off += got;
    }
    return out;
  }

  private readCentralDirectory(): void {
    const tailLen = Math.min(this.size, 22 + 0xffff);
    const tail = this.readAt(this.size - tailLen, tailLen, 'end of archive');
    const tv = new DataView(tail.buffer);
    let e = -1;
    for (let i = tailLen - 22; i >= 0; i--) {
      if (tv.getUint32(i, true) === SIG_EOCD) {
        e = i;
        break;
      }
    }
    if (e < 0)
      this.fail('not a zip archive, or truncated (no end-of-central-directory record); expected a torch.save file');
    let count = tv.getUint16(e + 10, true);
    let cdSize = tv.getUint32(e + 12, true);
    let cdOffset = tv.getUint32(e + 16, true);
    if (
      (count === 0xffff || cdSize === U32_MAX || cdOffset === U32_MAX) &&
      e >= 20 &&
      tv.getUint32(e - 20, true) === SIG_Z64_LOCATOR
    ) {
      const z64At = Number(tv.getBigUint64(e - 20 + 8, true));
      const z = new DataView(this.readAt(z64At, 56, 'zip64 end-of-central-directory record').buffer);
      if (z.getUint32(0, true) !== SIG_Z64_EOCD) this.fail('bad zip64 end-of-central-directory record');
      count = Number(z.getBigUint64(32, true));
      cdSize = Number(z.getBigUint64(40, true));
      cdOffset = Number(z.getBigUint64(48, true));
    }
    const cd = this.readAt(cdOffset, cdSize, 'central directory');
    const v = new DataView(cd.buffer);
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > cdSize || v.getUint32(p, true) !== SIG_CENTRAL) this.fail(`central directory entry ${i} is corrupt`);
      const nameLen = v.getUint16(p + 28, true);
      const extraLen = v.getUint16(p + 30, true);
      const commentLen = v.getUint16(p + 32, true);
      if (p + 46 + nameLen + extraLen + commentLen > cdSize)
        this.fail(`central directory entry ${i} runs past the end of the directory`);
      const name = new TextDecoder().decode(cd.subarray(p + 46, p + 46 + nameLen));
      const entry: ZipEntry = {
        name,
        method: v.getUint16(p + 10, true),
        crc: v.getUint32(p + 16, true),
        compressedSize: v.getUint32(p + 20, true),
        size: v.getUint32(p + 24, true),
        localHeaderOffset: v.getUint32(p + 42, true),
      };
      if (!readZip64Extra(v, p + 46 + nameLen, extraLen, entry))
        this.fail(`central directory entry ${i} ("${name}") has a corrupt zip64 extra field`);
      this.entries.set(name, entry);
      p += 46 + nameLen + extraLen + commentLen;
    }
  }

  /** The bytes of entry `name` (decompressed, CRC-checked). */
  read(name: string): Uint8Array {
    const e = this.entries.get(name);
    if (!e) this.fail(`archive has no entry "${name}"`);
    const local = new DataView(this.readAt(e.localHeaderOffset, 30, `local header of "${name}"`).buffer);
    if (local.getUint32(0, true) !== SIG_LOCAL) this.fail(`local header of "${name}" is corrupt`);
    const start = e.localHeaderOffset + 30 + local.getUint16(26, true) + local.getUint16(28, true);
    const raw = this.readAt(start, e.compressedSize, `data of "${name}"`);
    let data: Uint8Array;
    if (e.method === 0) data = raw;
    else if (e.method === 8) {
      // Deflate cannot expand more than ~1032:1: a larger declared size is a zip bomb or a corrupt directory.
      if (e.size > Math.min(1032 * e.compressedSize + 1024, MAX_INFLATED))
        this.fail(
          `entry "${name}" claims ${e.size} bytes from ${e.compressedSize} compressed (more than deflate can produce, or over ${MAX_INFLATED}); refusing to inflate it`,
        );
      try {
        data = inflateSync(raw, { out: new Uint8Array(e.size) });
      } catch (err) {
        this.fail(`cannot inflate "${name}" (${(err as Error).message})`);
      }
    } else this.fail(`entry "${name}" uses unsupported compression method ${e.method}`);
    if (data.byteLength !== e.size)
      this.fail(`entry "${name}" has ${data.byteLength} bytes, the directory says ${e.size}`);
    if (crc32(data) !== e.crc) this.fail(`entry "${name}" fails its CRC check (file corrupt)`);
    return data;
  }

  /** Closes the file. */
  close(): void {
    closeSync(this.fd);
  }
}

/** Largest storage we inflate (4 GiB, the wasm heap). */
const MAX_INFLATED = 2 ** 32;

/**
 * Applies a zip64 extended-information extra field (id 1) to the fields saturated at 0xffffffff; false when
 * the field runs past its extra block.
 */
function readZip64Extra(v: DataView, start: number, len: number, entry: ZipEntry): boolean {
  for (let q = start; q + 4 <= start + len; ) {
    const id = v.getUint16(q, true);
    const size = v.getUint16(q + 2, true);
    if (q + 4 + size > start + len) return false;
    if (id === 1) {
      let f = q + 4;
      const next = () => {
        if (f + 8 > q + 4 + size) throw new RangeError('zip64 field too short');
        const x = Number(v.getBigUint64(f, true));
        f += 8;
        return x;
      };
      try {
        if (entry.size === U32_MAX) entry.size = next();
        if (entry.compressedSize === U32_MAX) entry.compressedSize = next();
        if (entry.localHeaderOffset === U32_MAX) entry.localHeaderOffset = next();
      } catch {
        return false;
      }
      return true;
    }
    q += 4 + size;
  }
  return true;
}
